"""An endpoint's declaration: method, path, types, access rule and handler."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Literal

Access = Literal["public", "session", "admin", "dev"]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    handler: Callable[..., Any]
    request: type | None = None
    response: type | None = None
    access: Access = "public"
    status: int = 200
    query: tuple[tuple[str, type, str], ...] = ()
    raw_body: bool = False  # the handler streams the request body itself (documents)
    raw_media: str | None = None  # for the OpenAPI document: the raw body's or response's media type
    # Answers about a person named without logging in (recovery, activation): padded to one minimum
    # duration (Policy.uniform_answer_time) so that timing cannot tell who is registered.
    uniform_time: bool = False

    @property
    def response_media(self) -> str:
        """JSON, except for answers that are raw content themselves (downloads, the FHIR bundle)."""
        if self.raw_media and not self.raw_body and self.response is None:
            return self.raw_media
        return "application/json"

    def status_of(self, result: Any) -> int:
        """An idempotent replay answers 200 where a creation answers 201."""
        return 200 if getattr(result, "created", True) is False else self.status


class Service:
    """A service module as the route table names it: ``Service("documents").upload`` is a function that
    imports ``server/services/documents.py`` when it is first called, not when the table is built.

    Every request needs the whole route table, but only its own operation's services; the embedded
    server starts in each local command's process, where the others (the vaccination calendar, the CDA
    and XDM parsers…) would cost tens of milliseconds for nothing.
    """

    def __init__(self, name: str) -> None:
        self._module = f"{__package__.rpartition('.')[0]}.services.{name}"

    def __getattr__(self, attr: str) -> Callable[..., Any]:
        module = self._module

        def call(*args: Any, **kwargs: Any) -> Any:
            return getattr(importlib.import_module(module), attr)(*args, **kwargs)

        call.__name__ = call.__qualname__ = attr
        return call
