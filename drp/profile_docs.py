"""``docs/profiles.md``, written from the profile's JSON Schema (``drp.profile_schema``): every
table, field, type, default, meaning and example, so the reference cannot drift from the reader.

Regenerate with ``drp-bot policies schema --format markdown > docs/profiles.md``; a test holds
the committed file to this output.
"""

from __future__ import annotations

import json
from typing import Any

from drp.profile_schema import json_schema
from drp.roles import DEFAULT_ROLES

# Each table of the file: its heading, and its definition in the schema ("" = the top level).
TABLES = (
    ("The profile (top level)", ""),
    ("`[[roles]]`", "RoleDoc"),
    ("`[access]`", "AccessDoc"),
    ("`[extension]`", "ExtensionDoc"),
    ("`[[processes]]`", "ProcessDoc"),
    ("`[processes.informal]` and `[[processes.stages]]`", "StageDoc"),
    ("`[[processes.stages.tiers]]`", "TierDoc"),
    ("`[processes.final_step]`", "FinalStepDoc"),
    ("`[[referrals]]`", "ReferralDoc"),
    ("`[[mailboxes]]`", "MailboxDoc"),
    ("`[[categories]]`", "CategoryDoc"),
    ("`[approval]` (old form)", "ApprovalRule"),
)
_KINDS = {
    "role": "role",
    "key": "key",
    "timescale": "timescale",
    "timescale-in-days": "timescale in days",
}
INTRO = """\
# Profile reference

A profile is one TOML file that says how a council runs its Dispute Resolution Process: the
roles its ladder uses, who may raise a dispute, each stage's responders and timescale, who must
agree, who is told, and what follows the last stage. One deployment runs one profile
(`DRP_POLICY`: a shipped name or a file's path).

```sh
drp-bot policies init ashdown --from nottingham      # a commented starting file: ashdown.toml
drp-bot policies check ashdown.toml --directory people.csv
drp-bot policies schema > profile.schema.json       # for editors that read JSON Schema
```

`policies check` names the file and the dotted field of the first error (for example
`ashdown.toml: processes[0].stages[1].responsible: unknown role 'team_mgr'`), then prints the
ladder, a timeline from today and what the bot will do where the profile is silent.

Types: *text* is a TOML string; a *key* is lower-case letters, digits, `-` or `_`; a *role* is
a role key (lower-case letters, digits and `_`) declared by the profile or in the default set; a
*timescale* is `N working days`, `N calendar days` or `N hours` (*in days*: not hours). Working
days leave out weekends and the bank holidays of `DRP_NATION`. A field marked *required* must be
given; every other field may be left out and then takes its default.

This page is generated from the schema the bot reads profiles with
(`drp-bot policies schema --format markdown`); do not edit it by hand.
"""


def reference() -> str:
    """The whole reference page as Markdown."""
    schema = json_schema()
    defs: dict[str, Any] = schema["$defs"]
    parts = [INTRO]
    for heading, name in TABLES:
        parts.append(_table(heading, schema if not name else defs[name], defs))
    parts.append(_default_roles())
    return "\n".join(parts)


def _table(heading: str, definition: dict[str, Any], defs: dict[str, Any]) -> str:
    required = set(definition.get("required", ()))
    lines = [f"## {heading}", "", _cell(definition.get("description", "")), ""]
    lines += ["| field | type | default | meaning | example |", "|---|---|---|---|---|"]
    for name, prop in definition["properties"].items():
        old = " (old form)" if prop.get("deprecated") else ""
        cells = (
            f"`{name}`{old}",
            _type(prop, defs),
            "*required*" if name in required else _default(prop),
            _cell(prop.get("description", "")),
            _examples(prop),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _type(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        return "table"
    if "enum" in prop:
        return "one of " + ", ".join(f"`{v}`" for v in prop["enum"])
    kind = prop.get("type")
    if kind == "array":
        items = prop.get("items", {})
        if "$ref" in items:
            return "array of tables"
        if "enum" in items:
            return "list of " + ", ".join(f"`{v}`" for v in items["enum"])
        return f"list of {_KINDS.get(items.get('format', ''), 'text')}s"
    if kind == "boolean":
        return "true / false"
    if kind == "integer":
        return f"whole number ≥ {prop.get('minimum', 0)}"
    return _KINDS.get(prop.get("format", ""), "text")


def _default(prop: dict[str, Any]) -> str:
    if "default" in prop:
        return f"`{toml_value(prop['default'])}`" if prop["default"] != "" else "empty"
    return "`[]`" if prop.get("type") == "array" else "not set"


def _examples(prop: dict[str, Any]) -> str:
    return "<br>".join(f"`{_cell(toml_value(e))}`" for e in prop.get("examples", ()))


def toml_value(value: Any) -> str:
    """A value as TOML writes it inline (strings, booleans, numbers, arrays, inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return str(value)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _default_roles() -> str:
    lines = [
        "## The default roles",
        "",
        "Every profile has these unless it says `default_roles = false`; `[[roles]]` with one of "
        "these keys gives it a new title or scope.",
        "",
        "| key | title | scope |",
        "|---|---|---|",
    ]
    lines += [f"| `{r.key}` | {_cell(r.title)} | {r.scope.value} |" for r in DEFAULT_ROLES]
    return "\n".join(lines) + "\n"
