"""A YAML parser error as an editor's sentence: what to do, at the line to do it.

libyaml reports what its grammar expected ("mapping values are not allowed in this context"); the
same few slips cause nearly all of them in article files: a tab, an unquoted ': ', a table cell
with a comma or a citation marker, a value that starts with a character YAML reserves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import yaml

OUR_MARK = "front matter"  # the name frontmatter gives the marks of the problems it finds itself

# "key: value" or "- key: value" at the start of a line; group 1 is the key.
_KEY = re.compile(r"\s*(?:-\s+)?([^\s:#\-\[{\"'][^:#]*?):(?:\s|$)")
_CITATION = re.compile(r"\[\d{1,3}\]")
# Characters YAML gives a meaning to at the start of a plain value (YAML 1.1, 7.3.3 "c-indicator").
_RESERVED = {
    "*": "YAML reads *name as a reference to another value",
    "&": "YAML reads &name as a label for the value",
    "!": "YAML reads !name as a type",
    "@": "YAML reserves '@'",
    "`": "YAML reserves '`'",
    "%": "YAML reads '%' as a directive",
    "|": "YAML reads '|' as the start of a block of text",
    ">": "YAML reads '>' as the start of a block of text",
    "[": "YAML reads [...] as a list",
    "{": "YAML reads {...} as a set of fields",
    '"': "a value that starts with a quote must end with it",
    "'": "a value that starts with a quote must end with it",
}


def explain(exc: yaml.YAMLError, lines: Sequence[str]) -> tuple[int | None, str]:
    """The 0-based line (of ``lines``, the front matter) and a sentence saying what to change."""
    mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    problem = str(getattr(exc, "problem", None) or exc)
    context = str(getattr(exc, "context", None) or "")
    if mark is None or not 0 <= mark.line < len(lines):
        return (None if mark is None else mark.line), f"is not valid YAML: {problem}"
    row, col = mark.line, mark.column
    if mark.name == OUR_MARK:  # already a sentence of ours (aliases, merge keys, duplicate keys)
        return row, f"is not valid YAML: {problem}"
    line = lines[row]
    if "tab character" in problem or line[col : col + 1] == "\t" or line[: len(line) - len(line.lstrip())].count("\t"):
        return _tab_line(lines, row), "tabs are not allowed for indenting; use spaces"
    if "mapping values are not allowed" in problem:
        return _colon(lines, row, col)
    if context == "while parsing a flow sequence" and context_mark is not None:
        return _flow_row(lines, context_mark.line, context_mark.column, row, col)
    if context == "while scanning a quoted scalar" and context_mark is not None:
        return context_mark.line, "this quoted value is never closed: end it with the same quote it starts with"
    if context.startswith("while scanning a block scalar"):
        return row, "after '|' or '>', start the text on the next line, indented"
    if context in ("while scanning an alias", "while scanning an anchor"):
        return _reserved(lines, row, col)
    if "cannot start any token" in problem or "did not find expected key" in problem:
        return _reserved(lines, row, col)
    if "expected '-' indicator" in problem or "expected <block end>" in problem:
        return row, "this line is indented differently from the lines above it; line it up with its neighbours"
    if "could not find expected ':'" in problem:
        return _previous(lines, row), "this line has no ':' after its field name; write 'name: value'"
    return row, f"is not valid YAML: {problem}"


def _tab_line(lines: Sequence[str], row: int) -> int:
    # libyaml stops at the line after the tab in some cases; name the line that holds it.
    for candidate in (row, row - 1):
        if (
            0 <= candidate < len(lines)
            and "\t" in lines[candidate][: len(lines[candidate]) - len(lines[candidate].lstrip())]
        ):
            return candidate
    return row


def _colon(lines: Sequence[str], row: int, col: int) -> tuple[int, str]:
    line = lines[row]
    key = _KEY.match(line)
    if key is None:
        return row, "put this text in quotes: it contains ': '"
    if col > key.end(1):
        return row, f"put this {_name(key.group(1))} in quotes: it contains ': '"
    # The colon is the line's own: the mistake is on a line above, which this one seems to continue.
    above = _previous(lines, row)
    if re.match(r"\s*- ", lines[above]) and _KEY.match(lines[above]) is None:
        return row, f"'{key.group(1)}' is indented under a list item of text; line it up with the field it belongs to"
    if _KEY.match(lines[above]) is None:
        return above, "this line has no ':' after its field name; write 'name: value'"
    return row, f"'{key.group(1)}' is indented more than the field above it, which has a value; line the two up"


def _flow_row(lines: Sequence[str], start_row: int, start_col: int, row: int, col: int) -> tuple[int, str]:
    line = lines[start_row]
    if "]" not in line[start_col:]:
        return start_row, "this [ list is never closed: end it with ']' on the same line"
    cell = _cell_at(line, start_col, col if row == start_row else len(line))
    if cell.startswith(('"', "'")):
        whole = cell.replace('"', "").replace("'", "’")
        return start_row, f'this table cell starts with a quote, so it must end with one: write "{whole}"'
    why = "a citation marker" if _CITATION.search(cell) else "a comma or a bracket"
    return start_row, f'put this table cell in double quotes: "{cell}" (it holds {why}, which [ ] reads as its own)'


def _cell_at(line: str, start: int, col: int) -> str:
    """The text of the cell of the flow list opening at ``start`` that holds column ``col``."""
    spans: list[tuple[int, int]] = []
    begin, depth, quote = start + 1, 0, ""
    for i in range(start + 1, len(line)):
        ch = line[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'" and not line[begin:i].strip():
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}" and depth:
            depth -= 1
        elif ch == "," and not depth or ch == "]":
            spans.append((begin, i))
            begin = i + 1
            if ch == "]":
                break
    else:
        spans.append((begin, len(line)))
    for begin, end in spans:
        if begin <= col <= end:
            return line[begin:end].strip()
    return line[spans[-1][0] : spans[-1][1]].strip() if spans else line.strip()


def _reserved(lines: Sequence[str], row: int, col: int) -> tuple[int, str]:
    line = lines[row]
    key = _KEY.match(line)
    if key is not None and col == key.start(1) and col > 0:  # the field's own name: it is indented by mistake
        return row, f"'{key.group(1)}' is indented more than the field above it, which has a value; line the two up"
    value = line[key.end() :].lstrip() if key else line.lstrip().removeprefix("- ").lstrip()
    first = value[:1]
    name = _name(key.group(1)) if key else "item"
    if first == "'" and value.count("'") > 2:
        return (
            row,
            f"put this {name} in double quotes: inside '...' an apostrophe ends the text (or write it twice: '')",
        )
    if first in _RESERVED:
        return row, f"put this {name} in quotes: it starts with '{first}' ({_RESERVED[first]})"
    return row, f"put this {name} in quotes: YAML cannot read '{line[col : col + 1] or line.strip()}' there"


def _previous(lines: Sequence[str], row: int) -> int:
    above = row - 1
    while above > 0 and not lines[above].strip():
        above -= 1
    return max(above, 0)


def _name(key: str) -> str:
    return key.strip()
