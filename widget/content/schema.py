"""What an article file's front matter may hold, as pydantic models, and their errors as sentences."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from widget.markup import is_web_url

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Line = Annotated[str, Field(min_length=1, max_length=2000)]
Prose = Annotated[str, Field(min_length=1, max_length=20000)]


class _Schema(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        coerce_numbers_to_str=True,
        frozen=True,
    )


class SourceFields(_Schema):
    title: Line
    site: Line
    url: Line
    pmid: Annotated[str, Field(pattern=r"^[0-9]{1,9}$")] | None = None
    doi: Annotated[str, Field(pattern=r"^10\.[0-9]{4,9}/\S+$", max_length=300)] | None = None

    @field_validator("url")
    @classmethod
    def _web_url(cls, url: str) -> str:
        if not is_web_url(url):
            raise ValueError(f"must be an absolute http:// or https:// URL, got '{url}'")
        return url


class ComparisonFields(_Schema):
    caption: Line
    columns: Annotated[list[Line], Field(min_length=2, max_length=8)]
    rows: Annotated[list[list[Prose]], Field(min_length=1, max_length=50)]
    note: Prose | None = None


class RelatedFields(_Schema):
    question: Line
    slug: Annotated[str, Field(pattern=SLUG_PATTERN)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_question(cls, value: object) -> object:
        # A related question may be written as a plain string.
        return {"question": value} if isinstance(value, str) else value


class ArticleFields(_Schema):
    slug: Annotated[str, Field(pattern=SLUG_PATTERN, max_length=100)]
    lang: Annotated[str, Field(pattern=r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")]
    title: Line
    byline: Line
    published: date
    reviewed: date
    next_review: date | None = None
    takeaway: Prose
    key_takeaways: Annotated[list[Prose], Field(min_length=1, max_length=20)]
    related: Annotated[list[RelatedFields], Field(max_length=20)] = []
    disclaimer: Prose | None = None
    comparison: ComparisonFields | None = None
    sources: Annotated[list[SourceFields], Field(min_length=1, max_length=200)]


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
