"""The front matter's JSON Schema (docs/article.schema.json): generated, committed, and in step with
the checker: it takes what the checker takes, and refuses what the checker refuses for the fields'
shapes (widget/content/schema.py, `flask --app widget content schema`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator, ValidationError

from tests.support import ARTICLES
from widget.cli import SCHEMA_FILE, content, schema_text
from widget.content.frontmatter import FRONT_MATTER, read_yaml
from widget.settings import PROJECT_ROOT

HOSTILE = Path(__file__).resolve().parent / "hostile"


def problems(schema: dict[str, Any], value: object, root: dict[str, Any]) -> list[str]:
    """Where ``value`` breaks ``schema``, by a real JSON Schema validator, as ``.path: keyword`` lines."""
    validator = Draft202012Validator(root)
    return sorted({line for error in validator.iter_errors(value) for line in _lines(error)})


_KEYWORDS = {"minItems": "items", "maxItems": "items", "minLength": "length", "maxLength": "length"}


def _lines(error: ValidationError) -> list[str]:
    at = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
    keyword = str(error.validator)
    if keyword == "anyOf":  # the union of what each option found
        return [line for sub in error.context or () for line in _lines(sub)]
    if keyword == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        required = error.validator_value if isinstance(error.validator_value, list) else []
        return [f"{at}.{name}: required" for name in required if name not in instance]
    if keyword == "additionalProperties":
        allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        instance = error.instance if isinstance(error.instance, dict) else {}
        return [f"{at}.{name}: not allowed" for name in instance if name not in allowed]
    if keyword == "type":
        return [f"{at}: not {error.validator_value}"]
    return [f"{at}: {_KEYWORDS.get(keyword, keyword)}"]


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
