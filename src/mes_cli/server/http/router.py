"""Finds the handlers of a path among templates such as ``/v1/profiles/{profile_id}/documents``.

Segments are matched one by one, a literal segment before a ``{field}`` (so
``/documents/batch-delete`` is not taken for a document id); a field matches one
non-empty segment. One trailing slash is ignored.
"""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class _Node(Generic[T]):
    __slots__ = ("literals", "field", "field_name", "methods")

    def __init__(self) -> None:
        self.literals: dict[str, _Node[T]] = {}
        self.field: _Node[T] | None = None
        self.field_name: str | None = None
        self.methods: dict[str, T] | None = None


class Router(Generic[T]):
    def __init__(self) -> None:
        self._root: _Node[T] = _Node()

    def add(self, template: str, method: str, handler: T) -> None:
        node = self._root
        for segment in _segments(_without_trailing_slash(template)):
            if segment.startswith("{") and segment.endswith("}"):
                name = segment[1:-1]
                if node.field is None:
                    node.field, node.field_name = _Node(), name
                elif node.field_name != name:
                    raise ValueError(f"{template}: field {{{name}}} where another route has {{{node.field_name}}}")
                node = node.field
            else:
                node = node.literals.setdefault(segment, _Node())
        node.methods = node.methods or {}
        if method in node.methods:
            raise ValueError(f"{method} {template} is declared twice")
        node.methods[method] = handler

    def find(self, path: str) -> tuple[dict[str, T], dict[str, str]] | None:
        """The handlers by method of the route matching ``path`` and its field values; None if none matches."""
        params: dict[str, str] = {}
        node = _match(self._root, _segments(_without_trailing_slash(path)), 0, params)
        return None if node is None else (node.methods, params)


def _without_trailing_slash(path: str) -> str:
    return path[:-1] if len(path) > 1 and path.endswith("/") else path


def _segments(path: str) -> list[str]:
    return path.removeprefix("/").split("/") if path not in ("", "/") else []


def _match(node: _Node[T], segments: list[str], index: int, params: dict[str, str]) -> _Node[T] | None:
    if index == len(segments):
        return node if node.methods else None
    segment = segments[index]
    literal = node.literals.get(segment)
    if literal is not None:
        found = _match(literal, segments, index + 1, params)
        if found is not None:
            return found
    if node.field is not None and segment:
        found = _match(node.field, segments, index + 1, params)
        if found is not None:
            params[node.field_name] = segment
            return found
    return None
