"""The front matter's JSON Schema (docs/article.schema.json): generated, committed, and in step with
the checker: it takes what the checker takes, and refuses what the checker refuses for the fields'
shapes (widget/content/schema.py, `flask --app widget content schema`)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.support import ARTICLES
from widget.cli import SCHEMA_FILE, content, schema_text
from widget.content.frontmatter import FRONT_MATTER, read_yaml
from widget.settings import PROJECT_ROOT

HOSTILE = Path(__file__).resolve().parent / "hostile"


def problems(schema: dict[str, Any], value: object, root: dict[str, Any], at: str = "") -> list[str]:
    """Where ``value`` breaks ``schema``: the keywords pydantic's schemas use, nothing more.

    No JSON Schema validator is installed (see the report: `jsonschema` as a test dependency would
    replace this); this covers type, properties, required, additionalProperties, items, the length
    and count bounds, pattern, anyOf and $ref.
    """
    if "$ref" in schema:
        return problems(root["$defs"][schema["$ref"].rsplit("/", 1)[1]], value, root, at)
    if "anyOf" in schema:
        found = [problems(option, value, root, at) for option in schema["anyOf"]]
        return [] if any(not f for f in found) else [p for f in found for p in f]
    kinds: dict[str, type] = {"string": str, "array": list, "object": dict, "null": type(None), "integer": int}
    kind = schema.get("type")
    if kind is not None and not isinstance(value, kinds[kind]):
        return [f"{at}: not {kind}"]
    out: list[str] = []
    if isinstance(value, str):
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
            out.append(f"{at}: length")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{at}: pattern")
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            out.append(f"{at}: items")
        for i, item in enumerate(value):
            out += problems(schema.get("items", {}), item, root, f"{at}[{i}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        out += [f"{at}.{name}: required" for name in schema.get("required", []) if name not in value]
        if schema.get("additionalProperties") is False:
            out += [f"{at}.{name}: not allowed" for name in value if name not in properties]
        for name, item in value.items():
            if name in properties:
                out += problems(properties[name], item, root, f"{at}.{name}")
    return out


def front_matter(path: Path) -> object:
    match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    assert match is not None
    return read_yaml(match.group(1))[1]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return dict(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def test_committed_schema_is_the_generated_one():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), "run: flask --app widget content schema"


def test_schema_command_writes_the_schema(tmp_path):
    output = tmp_path / "schema.json"

    result = CliRunner().invoke(content, ["schema", "--output", str(output)])

    assert result.exit_code == 0
    assert output.read_text(encoding="utf-8") == schema_text()


@pytest.mark.parametrize(
    "path",
    [*sorted(ARTICLES.glob("*.md")), *sorted((PROJECT_ROOT / "content" / "articles").rglob("*.md"))],
    ids=lambda path: str(path.relative_to(PROJECT_ROOT)),
)
def test_schema_accepts_the_sample_articles(schema, path):
    assert problems(schema, front_matter(path), schema) == []


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("url-javascript", ".sources[0].url: pattern"),
        ("url-data", ".sources[0].url: pattern"),
        ("url-protocol-relative", ".sources[0].url: pattern"),
        ("slug-traversal", ".slug: pattern"),
        ("lang-attribute", ".lang: pattern"),
    ],
)
def test_schema_refuses_what_the_checker_refuses_for_its_shape(schema, name, where):
    assert where in problems(schema, front_matter(HOSTILE / "rejected" / f"{name}.md"), schema)


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("title: Is numbness", "titel: Is numbness", ".titel: not allowed"),
        ("title: Is numbness", "# title: Is numbness", ".title: required"),
        (
            "columns: [Mechanism, Typical features, Pattern, Key tests, Treatment focus]",
            "columns: [Mechanism]",
            ".comparison.columns: items",
        ),
        ('pmid: "24757151"', 'pmid: "PMC24757151"', ".sources[5].pmid: pattern"),
        ("  - question: How is small-fiber", "  - query: How is small-fiber", ".related[0]: not string"),
        ("lang: en", "lang: English", ".lang: pattern"),
    ],
)
def test_schema_refuses_a_broken_field(schema, old, new, where):
    text = (ARTICLES / "lupus-numbness.md").read_text(encoding="utf-8")
    assert old in text
    match = FRONT_MATTER.match(text.replace(old, new, 1))
    assert match is not None

    found = problems(schema, read_yaml(match.group(1))[1], schema)

    assert where in found
