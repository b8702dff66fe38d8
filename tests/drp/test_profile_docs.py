"""docs/profiles.md is the reference generated from the profile schema, and stays so."""

from __future__ import annotations

from pathlib import Path

from drp.profile_docs import reference
from drp.profile_schema import json_schema

DOCS = Path(__file__).parents[2] / "docs" / "profiles.md"
REGENERATE = "drp-bot policies schema --format markdown > docs/profiles.md"


def test_the_committed_reference_is_the_generated_one() -> None:
    assert DOCS.read_text(encoding="utf-8") == reference(), f"regenerate it: {REGENERATE}"


def test_the_reference_names_every_field_of_every_table() -> None:
    schema = json_schema()
    page = reference()
    for table in (schema, *schema["$defs"].values()):
        for name in table["properties"]:
            assert f"| `{name}`" in page, name


def test_the_reference_lists_the_default_roles_with_their_scope() -> None:
    page = reference()
    assert "| `team_manager` | Team manager | team |" in page
    assert "| `iscc` | Independent Safeguarding Children Commissioner | organisation |" in page
