"""PyYAML, the reference reader of front matter, with limits.

PyYAML's C loader (the pure-Python one only where libyaml is missing), made
safe for hostile seeds: the node graph is checked before anything is
constructed, so alias bombs, recursive aliases, deep nesting and duplicate
keys are refused instead of built.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Nodes once aliases are expanded: a "billion laughs" document is small on disk
# and tiny as a node graph, but anything that walks it would walk 10^9 nodes.
MAX_EXPANDED_NODES = 50_000
MAX_DEPTH = 40

# JSON serializers write a character beyond U+FFFF as a UTF-16 surrogate pair
# of escapes, "Fire \ud83d\udd25 drill"; JSON and YAML 1.2 read that as one
# character, libyaml refuses it. The backslash must start an escape: not one
# escaped itself, so an even run of backslashes (escaped ones) goes before it.
_SURROGATE_PAIR = re.compile(
    r"(?<!\\)((?:\\\\)*)\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")
# The backslash before any surrogate escape, paired or not, for the scan that
# finds the double-quoted scalars: replaced by '_', it scans as text, or as the
# valid escape '\_' where the backslash was itself escaped.
_SURROGATE_BACKSLASH = re.compile(r"\\(?=u[dD][89a-fA-F]|U0000[dD][89a-fA-F])")


def load_yaml(block: str) -> tuple[Any, dict[str, int]]:
    """The value of the YAML ``block`` and the 0-based line of each top-level
    key. Raises yaml.YAMLError, Refused, or ValueError/OverflowError (from
    PyYAML's constructors, e.g. for the timestamp 2021-13-45)."""
    loader = _SeedLoader(join_surrogate_pairs(block))
    loader.key_lines = {}
    try:
        return loader.get_single_data(), loader.key_lines
    finally:
        loader.dispose()


def join_surrogate_pairs(block: str) -> str:
    """``block`` with each surrogate pair escape in a double-quoted scalar
    (``\\ud83d\\udd25``) written as the one escape of its character
    (``\\U0001f525``), on the same line. Elsewhere (plain, single-quoted and
    block scalars, comments) a backslash is text and stays. A lone surrogate
    escape stays too, for PyYAML to refuse."""
    if "\\u" not in block or _SURROGATE_PAIR.search(block) is None:
        return block
    parts = []
    done = 0
    for start, end in _double_quoted_spans(_SURROGATE_BACKSLASH.sub("_", block)):
        parts += block[done:start], _SURROGATE_PAIR.sub(_joined, block[start:end])
        done = end
    return "".join(parts) + block[done:]


def _joined(pair: re.Match[str]) -> str:
    code = 0x10000 + ((int(pair[2], 16) - 0xD800) << 10) + int(pair[3], 16) - 0xDC00
    return f"{pair[1]}\\U{code:08x}"


def _double_quoted_spans(block: str) -> list[tuple[int, int]]:
    """Where each double-quoted scalar of ``block`` starts and ends (character
    offsets, quotes included), up to the first error, from PyYAML's scanner:
    only it knows whether a '"' starts a scalar or is text (``a: b "c"``)."""
    spans = []
    scanner = _BaseLoader(block)
    try:
        while (token := scanner.get_token()) is not None:
            if isinstance(token, yaml.ScalarToken) and token.style == '"':
                spans.append((token.start_mark.index, token.end_mark.index))
    except yaml.YAMLError:
        pass  # the real parse stops there too, and says why
    finally:
        scanner.dispose()
    return spans


class Refused(Exception):
    """Front matter that parses but is refused: too large, too deep, ambiguous.

    ``line`` is 0-based within the front-matter block; ``message`` may hold
    ``{other}``, filled with the file line of ``other_line``.
    """

    def __init__(self, message: str, line: int, other_line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.other_line = other_line


class _SeedLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that checks the node graph before constructing anything, and
    remembers the line of each top-level key."""

    key_lines: dict[str, int]

    def construct_document(self, node: yaml.Node) -> Any:
        _check_node_graph(node)
        if isinstance(node, yaml.MappingNode):
            self.key_lines = {
                key.value: key.start_mark.line
                for key, _ in node.value
                if isinstance(key, yaml.ScalarNode)
            }
        return super().construct_document(node)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_node_graph(root: yaml.Node) -> None:
    """Refuse alias bombs, recursive aliases, deep nesting and duplicate keys.

    Walks each distinct node once (iteratively, so depth cannot overflow the
    stack) and computes how many nodes the document would have with every
    alias expanded.
    """
    expanded: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 0, False)]
    while stack:
        node, depth, children_done = stack.pop()
        ident = id(node)
        if children_done:
            in_progress.discard(ident)
            size = 1 + sum(expanded[id(child)] for child in _children(node))
            if size > MAX_EXPANDED_NODES:
                raise Refused(
                    f"front matter too complex: over {MAX_EXPANDED_NODES} values once aliases are expanded",
                    node.start_mark.line,
                )
            expanded[ident] = size
            continue
        if ident in expanded:
            continue
        if ident in in_progress:
            raise Refused("front matter has a recursive alias", node.start_mark.line)
        if depth > MAX_DEPTH:
            raise Refused(f"front matter nested deeper than {MAX_DEPTH} levels", node.start_mark.line)
        if isinstance(node, yaml.MappingNode):
            _check_duplicate_keys(node)
        in_progress.add(ident)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in _children(node) if id(child) not in expanded)


def _check_duplicate_keys(node: yaml.MappingNode) -> None:
    # PyYAML keeps the last of two equal keys without a word; a seed saying
    # `published` twice is ambiguous, so refuse it.
    seen: dict[str, int] = {}
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value != "<<":
            if key.value in seen:
                message = f"duplicate key {key.value[:40]!r} (first on line {{other}})"
                raise Refused(message, key.start_mark.line, seen[key.value])
            seen[key.value] = key.start_mark.line
