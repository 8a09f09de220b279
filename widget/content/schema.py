"""What an article file's front matter may hold, as pydantic models, and their errors as sentences."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from widget.markup import is_web_url
from widget.names import MAX_SLUG, SLUG_PATTERN

Line = Annotated[str, Field(min_length=1, max_length=2000)]
Prose = Annotated[str, Field(min_length=1, max_length=20000)]


class _Schema(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        coerce_numbers_to_str=True,
        frozen=True,
    )


def _doc(text: str) -> Any:
    """A field's description: the hover help an editor shows from the JSON Schema."""
    return Field(description=text)


class SourceFields(_Schema):
    title: Annotated[Line, _doc("The source's title, as the source gives it.")]
    site: Annotated[Line, _doc("Who published it, shown after the title: 'MedlinePlus', 'Mayo Clinic', 'PubMed'.")]
    url: Annotated[
        Line,
        _doc("Where readers find it: an absolute https:// (or http://) URL."),
        # For editors only: _web_url is what the checker applies, with its own message.
        Field(json_schema_extra={"pattern": r"^https?://[^\s/?#]+[^\s]*$"}),
    ]
    pmid: Annotated[str, Field(pattern=r"^[0-9]{1,9}$"), _doc("PubMed id, digits, in quotes.")] | None = None
    doi: Annotated[str, Field(pattern=r"^10\.[0-9]{4,9}/\S+$", max_length=300), _doc("DOI, 10.xxxx/...")] | None = None

    @field_validator("url")
    @classmethod
    def _web_url(cls, url: str) -> str:
        if not is_web_url(url):
            raise ValueError(f"must be an absolute http:// or https:// URL, got '{url}'")
        return url


class ComparisonFields(_Schema):
    caption: Annotated[Line, _doc("The table's title.")]
    columns: Annotated[list[Line], Field(min_length=2, max_length=8), _doc("Column headings, 2 to 8.")]
    rows: Annotated[
        list[list[Prose]],
        Field(min_length=1, max_length=50),
        _doc("1 to 50 rows, one cell per column; the first cell is the row's header. Quote cells that cite."),
    ]
    note: Annotated[Prose | None, _doc("A sentence under the table; may be only citation markers.")] = None


def _question_or_text(schema: dict[str, Any]) -> None:
    # The model takes a plain string for a related question (see _plain_question); say so in the schema.
    question = dict(schema)
    schema.clear()
    schema["anyOf"] = [{"type": "string", "minLength": 1, "maxLength": 2000}, question]


class RelatedFields(_Schema):
    model_config = ConfigDict(json_schema_extra=_question_or_text)

    question: Line
    slug: Annotated[str, Field(pattern=SLUG_PATTERN)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_question(cls, value: object) -> object:
        # A related question may be written as a plain string.
        return {"question": value} if isinstance(value, str) else value


class ArticleFields(_Schema):
    slug: Annotated[str, Field(pattern=SLUG_PATTERN, max_length=MAX_SLUG), _doc("Equals the file name without .md.")]
    lang: Annotated[str, Field(pattern=r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"), _doc("Language, BCP 47: en, es, pt-BR.")]
    title: Annotated[Line, _doc("The question the article answers.")]
    byline: Annotated[Line, _doc("Who wrote it.")]
    published: Annotated[date, _doc("First published, YYYY-MM-DD.")]
    reviewed: Annotated[date, _doc("Last medically reviewed, YYYY-MM-DD; not in the future.")]
    next_review: Annotated[date | None, _doc("When the next review is due, YYYY-MM-DD.")] = None
    takeaway: Annotated[Prose, _doc("The key takeaway: one paragraph of Markdown; may cite [1].")]
    key_takeaways: Annotated[
        list[Prose], Field(min_length=1, max_length=20), _doc("The closing summary, 1 to 20 points.")
    ]
    related: Annotated[
        list[RelatedFields], Field(max_length=20), _doc("Related questions: text, or {question, slug}.")
    ] = []
    disclaimer: Annotated[Prose | None, _doc("Replaces the default disclaimer for this article.")] = None
    comparison: Annotated[ComparisonFields | None, _doc("An optional comparison table.")] = None
    sources: Annotated[
        list[SourceFields], Field(min_length=1, max_length=200), _doc("1 to 200 sources; the first is [1].")
    ]


def front_matter_schema() -> dict[str, Any]:
    """The JSON Schema of an article's front matter, for editors (completion, hover help, underlines)."""
    schema = ArticleFields.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Health widgets article front matter",
        "description": "Generated from widget/content/schema.py by `flask --app widget content schema`.",
        **{key: value for key, value in schema.items() if key != "title"},
    }


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field an article can have (check the spelling)",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
}


def sentence(err: Mapping[str, Any]) -> str:
    kind, value = err["type"], err.get("input")
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"must be a date written YYYY-MM-DD, got '{value}'"
    if kind == "string_pattern_mismatch":
        return f"has the wrong form: '{value}'"
    if kind == "string_type":
        return f"must be text, got '{value}' (put it in quotes)"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    return (
        f"{err['msg']}, got '{value}'" if value is not None and not isinstance(value, dict | list) else str(err["msg"])
    )
