"""``drp-bot policies init NAME --from PROFILE``: a starting profile file, commented field by field
from the schema's own descriptions, so a QA lead edits rather than writes from nothing."""

from __future__ import annotations

import textwrap
import tomllib
from typing import Any

import tomlkit
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from tomlkit.container import Container
from tomlkit.items import AoT, Table

from drp.profile_schema import ProfileDoc

WIDTH = 96
HEADER = (
    "A DRP profile for {name}, started from the {source} profile. Edit it to say what your "
    "policy says, then run: drp-bot policies check {key}.toml --directory people.csv. Every "
    "field is described in docs/profiles.md (drp-bot policies schema > profile.schema.json "
    "gives editors the same). Remove what your policy does not have: categories, an "
    "immediate-harm route, an overall limit and a final step are all optional."
)

Holder = Container | Table


def starting_file(source_text: str, source_name: str, key: str, name: str) -> str:
    """A commented profile for ``key`` (its ``name`` shown on cards), copied from a shipped one."""
    data: dict[str, Any] = tomllib.loads(source_text)
    data.update(key=key, name=name, title=f"{name} Dispute Resolution Policy", seed="")
    doc = tomlkit.document()
    _comment(doc, HEADER.format(name=name, source=source_name, key=key))
    doc.add(tomlkit.nl())
    _fill(doc, ProfileDoc, data, notes=True)
    return tomlkit.dumps(doc)


def _nested(value: Any) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and bool(value) and isinstance(value[0], dict)
    )


def _fill(holder: Holder, model: type[BaseModel], data: dict[str, Any], notes: bool) -> None:
    """The fields of one table in the schema's order, values before tables (TOML needs a
    table's own keys before its sub-tables), each after its description if ``notes``."""
    given = [name for name in model.model_fields if name in data]
    for name in (n for n in given if not _nested(data[n])):
        if notes:
            _comment(holder, model.model_fields[name].description or "")
        holder.add(name, data[name])
    unset = [name for name, info in model.model_fields.items() if _offered(name, info, data)]
    if unset and notes:
        _comment(holder, "Also possible here (see docs/profiles.md): " + ", ".join(unset))
    for name in (n for n in given if _nested(data[n])):
        info = model.model_fields[name]
        sub = _submodel(info.annotation)
        assert sub is not None, name  # the schema validated the source: nested means a table
        if isinstance(data[name], dict):
            table = tomlkit.table()
            _heading(table, info.description or "", notes)
            _fill(table, sub, data[name], notes)
            holder.add(name, table)
        else:
            holder.add(name, _array(sub, data[name], info.description or "", notes))


def _offered(name: str, info: FieldInfo, data: dict[str, Any]) -> bool:
    """A field left out that the file could use (not an old form, not a key to leave out)."""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return name not in data and name != "key" and not extra.get("deprecated")


def _array(model: type[BaseModel], items: list[Any], description: str, notes: bool) -> AoT:
    """An array of tables; only its first table carries the descriptions."""
    found = tomlkit.aot()
    for index, item in enumerate(items):
        table = tomlkit.table()
        first = notes and index == 0
        _heading(table, description, first)
        _fill(table, model, item, first)
        found.append(table)
    return found


def _heading(table: Table, description: str, notes: bool) -> None:
    if notes:
        _comment(table, description)
        table.add(tomlkit.comment("-" * 20))


def _comment(holder: Holder, text: str) -> None:
    for line in textwrap.wrap(text, WIDTH - 2):
        holder.add(tomlkit.comment(line))


def _submodel(annotation: Any) -> type[BaseModel] | None:
    """The table model a field holds (alone, in a list, or optional), if any."""
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
        inner = getattr(candidate, "__args__", ())
        if inner and isinstance(inner[0], type) and issubclass(inner[0], BaseModel):
            return inner[0]
    return None
