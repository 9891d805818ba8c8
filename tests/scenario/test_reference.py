"""The scenario reference is generated from the schema and kept in step with it."""

from __future__ import annotations

import re
import typing
from pathlib import Path

from simulator.scenario.reference import DERIVED_DEFAULTS, REGENERATE, editor_schema, render
from simulator.scenario.schema import DIST_NAMES, Scenario

DOC = Path(__file__).parents[2] / "docs" / "scenario-reference.md"


def test_stored_reference_is_up_to_date() -> None:
    stored = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert stored == render(), (
        "docs/scenario-reference.md is out of date with simulator/scenario/schema.py; "
        f"regenerate it with: {REGENERATE}"
    )


def test_render_is_deterministic() -> None:
    assert render() == render()


def documented_paths() -> list[str]:
    """The key paths in the tables of the "Keys" section."""
    keys = render().split("## Keys", 1)[1].split("## Distributions", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", keys, flags=re.MULTILINE)


def test_every_key_of_every_model_is_documented() -> None:
    paths = documented_paths()
    for key in Scenario.model_fields:
        assert key in paths
    expected = [
        "run.start_date",
        "run.replications",
        "municipalities.<id>.population",
        "municipalities.<id>.travel_minutes",
        "facilities.<id>.beds",
        "facilities.<id>.schedule[].date",
        "facilities.<id>.costs.payer",
        "groups.<id>.seasonality.amplitude",
        "groups.<id>.steps.<step>.los",
        "groups.<id>.steps.<step>.when_full.divert_to",
        "groups.<id>.steps.<step>.wait_in",
        "costs.transport.per_minute",
        "extends",
    ]
    for path in expected:
        assert path in paths, path
    assert len(paths) == len(set(paths)), "a key is documented twice"


def test_rows_show_type_default_and_required() -> None:
    text = render()
    assert (
        "| `facilities.<id>.beds` | integer ≥ 0 and ≤ 10000 | Beds open at the start. | — | yes |"
        in text
    )
    assert (
        "| `run.replications` | integer ≥ 1 and ≤ 10000 | Number of replications. | `10` | no |"
        in text
    )
    assert "| `title` | text | Free text for reports; defaults to name. | = `name` | no |" in text
    assert "| `facilities.<id>.when_full` | `queue` \\| `divert` \\| `overflow` |" in text


def test_every_distribution_is_in_the_table() -> None:
    text = render()
    for name in DIST_NAMES:
        assert re.search(rf"^\| `{name}` \| ", text, flags=re.MULTILINE), name


def test_hand_written_sections() -> None:
    text = render()
    for heading in ("## Distributions", "## Overlays and `--set`", "## Editor support (VS Code)"):
        assert heading in text
    assert "redhat.vscode-yaml" in text
    assert '"yaml.schemas"' in text
    assert "# yaml-language-server: $schema=" in text
    assert "samsim schema > samsim.schema.json" in text
    assert "**`null` removes** a key" in text


def test_derived_defaults_name_real_fields_that_pydantic_requires() -> None:
    models = {Scenario.__name__: Scenario}
    todo = [Scenario]
    while todo:
        model = todo.pop()
        for field in model.model_fields.values():
            for arg in typing.get_args(field.annotation) + (field.annotation,):
                for inner in (arg, *typing.get_args(arg)):
                    is_model = isinstance(inner, type) and hasattr(inner, "model_fields")
                    if is_model and inner.__name__ not in models:
                        models[inner.__name__] = inner
                        todo.append(inner)
    for model_name, key in DERIVED_DEFAULTS:
        field = models[model_name].model_fields[key]
        assert field.is_required(), (model_name, key)


def test_editor_schema_is_a_fresh_copy() -> None:
    one = editor_schema()
    one["properties"].clear()
    assert "name" in editor_schema()["properties"]
