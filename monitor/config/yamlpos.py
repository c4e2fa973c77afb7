"""Safe YAML loading that remembers where every value came from.

Rules:
- only plain YAML data: anchors, aliases (the YAML "billion laughs") and custom tags such as
  `!!python/object` are refused, with their position;
- every scalar is kept as the string the admin wrote (so `1963-05` stays a partial date and `007`
  an id), except an empty value or `null`, which become None;
- a key written twice in one mapping is an error, not a silent overwrite;
- positions are 1-based (line, column) and indexed by the path to the value: ("people", 0, "name").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]
_NULL = "tag:yaml.org,2002:null"
_ALLOWED_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)
MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, at a 1-based line and column."""

    line: int
    column: int
    message: str

    def format(self, filename: str) -> str:
        return f"{filename}:{self.line}:{self.column}: {self.message}"


@dataclass
class Document:
    """Plain data (dicts, lists, strings, None) and where each piece was written."""

    data: Any
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """The position of the value (or key) at `path`, else of its nearest written parent."""
        table = self.keys if key else self.values
        for cut in range(len(path), -1, -1):
            found = table.get(path[:cut]) or self.values.get(path[:cut])
            if found:
                return found
        return (1, 1)


class YamlProblems(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class _Loader(yaml.SafeLoader):
    """SafeLoader's composer, minus anchors and aliases."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            raise _refusal(event, "aliases (*name) are not allowed in this file")
        if getattr(event, "anchor", None):
            raise _refusal(event, "anchors (&name) are not allowed in this file")
        return super().compose_node(parent, index)


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that this loader will not accept."""


def _refusal(event: yaml.Event, message: str) -> _Refused:
    return _Refused(problem=message, problem_mark=event.start_mark)  # type: ignore[arg-type]


def load(text: str) -> Document:
    """Parse YAML text into a Document, or raise YamlProblems."""
    if len(text) > MAX_BYTES:
        raise YamlProblems([Problem(1, 1, f"file is larger than {MAX_BYTES:,} bytes")])
    doc = Document(data=None)
    problems: list[Problem] = []
    try:
        node = yaml.compose(text, Loader=_Loader)
        if node is not None:
            doc.data = _convert(node, (), doc, problems)
    except yaml.MarkedYAMLError as exc:
        raise YamlProblems([_from_yaml_error(exc)]) from None
    except yaml.YAMLError as exc:
        raise YamlProblems([Problem(1, 1, f"YAML error: {exc}")]) from None
    except RecursionError:  # thousands of nested [ or {: no watchlist is built like that
        raise YamlProblems([Problem(1, 1, "values are nested too deeply")]) from None
    if problems:
        raise YamlProblems(problems)
    return doc


def _from_yaml_error(exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    what = " ".join(str(part) for part in (exc.context, exc.problem) if part)
    opened = exc.context_mark
    if opened is not None and exc.problem_mark is not None and opened.line != exc.problem_mark.line:
        what = f"{exc.context} (opened at line {opened.line + 1}), {exc.problem}"
    if not isinstance(exc, _Refused):
        what = f"YAML syntax error: {what}"
    if mark is None:
        return Problem(1, 1, what)
    return Problem(mark.line + 1, mark.column + 1, what)


def _at(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(node: yaml.Node, path: Path, doc: Document, problems: list[Problem]) -> Any:
    doc.values[path] = _at(node)
    if node.tag not in _ALLOWED_TAGS:
        problems.append(Problem(*_at(node), f"tag {node.tag!r} is not allowed (plain data only)"))
        return None
    if isinstance(node, yaml.MappingNode):
        return _convert_mapping(node, path, doc, problems)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), doc, problems) for i, item in enumerate(node.value)]
    if node.tag == _NULL:
        return None
    return str(node.value)


def _convert_mapping(
    node: yaml.MappingNode, path: Path, doc: Document, problems: list[Problem]
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(Problem(*_at(key_node), "a key must be a plain word"))
            continue
        key = str(key_node.value)
        if key in result:
            first = doc.keys[(*path, key)]
            problems.append(
                Problem(*_at(key_node), f"duplicate key {key!r} (first written at line {first[0]})")
            )
            continue
        doc.keys[(*path, key)] = _at(key_node)
        result[key] = _convert(value_node, (*path, key), doc, problems)
    return result
