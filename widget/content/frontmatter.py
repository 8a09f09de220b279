"""Front matter to data: safe YAML, no aliases, merge keys or duplicate keys, dates left as text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import yaml

from .yamlerrors import OUR_MARK, explain

MAX_YAML_DEPTH = 20
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)---[ \t]*(?:\r?\n|\Z)", re.DOTALL)

# libyaml's parser (twenty times faster than PyYAML's own) with the safe constructor; dates stay
# text for the schema to judge.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type, misc]
    pass


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(front: str) -> tuple[yaml.Node | None, object]:
    """The node tree (for line numbers) and the data, from one parse, after a pass over the events."""
    _check_events(yaml.parse(front, Loader=_Loader))
    loader = _Loader(front)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


@dataclass(slots=True)
class _Open:
    """A collection being read: for a mapping, whether its next node is a key, and its keys' lines."""

    mapping: bool
    at_key: bool = True
    keys: dict[str, int] = field(default_factory=dict)


def _check_events(events: Iterable[yaml.Event]) -> None:
    """Refuse what article files never need and YAML would take silently or dangerously.

    Aliases let a few lines expand into gigabytes ("billion laughs"); deep nesting makes PyYAML's
    composer recurse (RecursionError); a merge key (``<<:``) copies fields in from elsewhere, and a
    duplicate key silently drops the first value, so a reviewer reads one title and readers get another.
    """
    open_: list[_Open] = []
    for event in events:
        if isinstance(event, yaml.AliasEvent):
            raise _marked("aliases (*name) are not allowed in article files", event)
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            # Only an alias can use an anchor, so one alone is a slip (most often a text that starts with '&').
            message = f"anchors (&{event.anchor}) are not allowed in article files; put the value in quotes if '&' is part of the text"
            raise _marked(message, event)
        if isinstance(event, yaml.CollectionEndEvent):
            open_.pop()
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        parent = open_[-1] if open_ else None
        if parent is not None and parent.mapping:
            if parent.at_key and isinstance(event, yaml.ScalarEvent):
                _check_key(parent, event)
            parent.at_key = not parent.at_key
        if isinstance(event, yaml.CollectionStartEvent):
            open_.append(_Open(mapping=isinstance(event, yaml.MappingStartEvent)))
            if len(open_) > MAX_YAML_DEPTH:
                raise _marked(f"nested more than {MAX_YAML_DEPTH} levels deep", event)


def _check_key(mapping: _Open, key: yaml.ScalarEvent) -> None:
    line = key.start_mark.line + 2 if key.start_mark is not None else 0  # the file's line, 1-based
    if key.value == "<<" and key.implicit[0]:  # plain, so YAML reads it as a merge; "'<<'" is only text
        raise _marked("merge keys (<<:) are not allowed in article files; write each field out", key)
    if key.value not in mapping.keys:
        mapping.keys[key.value] = line
    else:
        first = mapping.keys[key.value]
        message = f"'{key.value}' is given twice, on lines {first} and {line}; keep one (YAML would keep the last)"
        raise _marked(message, key)


def _marked(problem: str, event: yaml.Event) -> yaml.MarkedYAMLError:
    # libyaml's marks are its own type; keep only where they point.
    start = event.start_mark
    mark = yaml.Mark(OUR_MARK, 0, start.line, start.column, None, 0) if start is not None else None
    return yaml.MarkedYAMLError(None, None, problem, mark)


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """What could be read of a front matter: its nodes and data, and each problem as a sentence.

    ``problems`` hold 0-based lines of the front matter; ``failed`` names the top-level fields
    that could not be read, so the schema does not call them missing as well.
    """

    node: yaml.Node | None
    data: object
    problems: tuple[tuple[int | None, str], ...] = ()
    failed: frozenset[str] = frozenset()


# Python refuses to read an integer of more than 4,300 digits (CVE-2020-10735).
TOO_LONG = "has a number too long to read (over 4,300 digits); put the value in quotes if it is text"
_TOP_KEY = re.compile(r"([^:#]*?):(?:\s|$)")


def read_front_matter(front: str) -> FrontMatter:
    """The front matter's data; after a YAML error, what every other top-level field holds.

    A YAML error stops libyaml for good, so on one the front matter is read again one top-level
    field at a time (each field's lines start at column 0), and every field that parses is kept:
    one run reports a broken title and a bad date below it.
    """
    try:
        return FrontMatter(*read_yaml(front))
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: PyYAML's int() of a number too long
        whole = exc
    lines = front.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line[:1] and line[:1] not in " \t#-\r\n"]
    problems: list[tuple[int | None, str]] = []
    failed: set[str] = set()
    pairs: list[tuple[yaml.Node, yaml.Node]] = []
    data: dict[object, object] = {}
    seen: dict[str, int] = {}
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        key = _TOP_KEY.match(lines[start])
        name = key.group(1).strip() if key else lines[start].strip()
        # Blank lines before the field keep libyaml's line numbers the front matter's.
        chunk = "\n" * start + "".join(lines[start:end])
        try:
            chunk_node, chunk_data = read_yaml(chunk)
        except yaml.YAMLError as exc:
            problems.append(explain(exc, [line.rstrip("\r\n") for line in lines]))
            # A field indented by mistake sits in this one's lines: not missing, only misplaced.
            failed.update(m.group(1).strip() for line in lines[start:end] if (m := _TOP_KEY.match(line.lstrip())))
            failed.add(name)
            continue
        except ValueError:
            failed.add(name)
            problems.append((start, TOO_LONG))
            continue
        if not isinstance(chunk_node, yaml.MappingNode) or not isinstance(chunk_data, dict):
            problems.append((start, "this line has no ':' after its field name; write 'name: value'"))
            failed.add(lines[start].split()[0])  # most likely the field it meant to be
            continue
        for pair in chunk_node.value:
            field = str(pair[0].value)
            if field in seen:
                message = f"'{field}' is given twice, on lines {seen[field] + 2} and {start + 2}; keep one (YAML would keep the last)"
                problems.append((start, f"is not valid YAML: {message}"))
                failed.add(field)
                continue
            seen[field] = start
            pairs.append(pair)
        data.update({k: v for k, v in chunk_data.items() if k not in data})
    if not problems:  # every field parses alone: the error is in how they fit together
        if isinstance(whole, ValueError):
            problems.append((None, TOO_LONG))
        else:
            problems.append(explain(whole, [line.rstrip("\r\n") for line in lines]))
    node = yaml.MappingNode("tag:yaml.org,2002:map", pairs, pairs[0][0].start_mark) if pairs else None
    return FrontMatter(node, data, tuple(problems), frozenset(failed))


def cut_by_comments(node: yaml.Node | None, front: str) -> Iterator[tuple[int, str]]:
    """Where an unquoted value is followed by '#' and a word: YAML drops the rest as a comment
    ("Is fatigue #1 in lupus?" reads as "Is fatigue"), which an editor rarely means. A comment
    written '# like this', with a space, is taken as meant. Yields 0-based lines and the lost text.
    """
    lines = front.splitlines()
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            stack.extend(value for _, value in current.value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, yaml.ScalarNode) and not current.style and current.end_mark is not None:
            end = current.end_mark
            if end.line < len(lines) and (lost := re.match(r"\s+(#\S.*)$", lines[end.line][end.column :])):
                yield end.line, lost.group(1)


def strings(value: object, loc: tuple[int | str, ...] = ()) -> Iterator[tuple[tuple[int | str, ...], str]]:
    """Every string in the front matter, with its path."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, (*loc, str(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from strings(item, (*loc, i))


def node_line(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 0-based line of the deepest YAML node that ``loc`` reaches."""
    line = node.start_mark.line if node else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((value for k, value in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line
    return line


def lift(line: int | None) -> int | None:
    # Front matter starts on the file's second line, after the opening '---'.
    return None if line is None else line + 1


def dotted(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
