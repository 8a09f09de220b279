"""Front matter to data: safe YAML, no aliases, merge keys or duplicate keys, dates left as text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import yaml

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
    mark = yaml.Mark("front matter", 0, start.line, start.column, None, 0) if start is not None else None
    return yaml.MarkedYAMLError(None, None, problem, mark)


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
