"""The emulator's development tools: fault injection and the request journal (development mode only).

Both live in the memory of the server process, as WireMock's do: they are about the traffic of a
running server (`mes server run --dev`, `mes server exec`), are reset by a restart, and cost nothing
to a production server, which never builds them. With several workers, each has its own: add a
fault rule to each, read each one's journal.

Faults are drawn per rule from their own random source: seeded, the n-th request a rule matches
fails or not the same way on every run, whatever else the server is doing.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import random
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field

from ..contract import models as m

JOURNAL_SIZE = 1000  # requests kept; the oldest go first
LONGEST_WAIT_SECONDS = 30.0  # a follower's long poll


@dataclass
class _Rule:
    view: m.FaultRule
    draw: random.Random = field(repr=False)

    def matches(self, operation_id: str | None, path: str) -> bool:
        if self.view.operation is not None and self.view.operation != operation_id:
            return False
        return self.view.path is None or fnmatch.fnmatchcase(path, self.view.path)


class Faults:
    """The fault rules of one server, consulted on every operation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []

    def add(self, rule: m.FaultRuleIn) -> m.FaultRule:
        view = m.FaultRule(id=f"f_{secrets.token_hex(4)}", operation=rule.operation, path=rule.path,
                           status=rule.status, latency_ms=rule.latency_ms, probability=rule.probability,
                           seed=rule.seed, times=rule.times, matched=0, injected=0)
        with self._lock:
            self._rules.append(_Rule(view, random.Random(rule.seed)))
        return view

    def list(self) -> list[m.FaultRule]:
        with self._lock:
            return [rule.view for rule in self._rules]

    def clear(self) -> int:
        with self._lock:
            count, self._rules = len(self._rules), []
        return count

    def decide(self, operation_id: str | None, path: str) -> m.FaultRule | None:
        """The rule that injects a fault into this request, if one does (the first that draws it)."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(operation_id, path):
                    continue
                rule.view.matched += 1
                if rule.view.times is not None and rule.view.injected >= rule.view.times:
                    continue
                if rule.draw.random() < rule.view.probability:
                    rule.view.injected += 1
                    return rule.view
        return None


class Journal:
    """The last JOURNAL_SIZE requests; a reader waits for new ones with ``read(after=…, wait=…)``."""

    def __init__(self, size: int = JOURNAL_SIZE) -> None:
        self._entries: deque[m.JournalEntry] = deque(maxlen=size)
        self._next_id = 1
        self._changed = threading.Condition()

    def record(self, *, method: str, path: str, operation: str | None, status: int, duration_ms: float,
               request_id: str, fault: str | None, request_body: str | None, response_body: str | None) -> None:
        with self._changed:
            self._entries.append(m.JournalEntry(
                id=self._next_id, at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0), method=method,
                path=path, operation=operation, status=status, duration_ms=round(duration_ms, 1),
                request_id=request_id, fault=fault, request_body=request_body, response_body=response_body))
            self._next_id += 1
            self._changed.notify_all()

    def read(self, *, after: int = 0, operation: str | None = None, status: int | None = None,
             limit: int = 100, bodies: bool = False, wait: float = 0) -> m.JournalPage:
        """Entries after id ``after`` that match, oldest first; with ``wait``, up to that long for one."""
        deadline = min(wait, LONGEST_WAIT_SECONDS)
        with self._changed:
            found = self._matching(after, operation, status)
            if not found and deadline > 0:
                self._changed.wait_for(lambda: bool(self._matching(after, operation, status)), deadline)
                found = self._matching(after, operation, status)
        found = found[:limit]
        if not bodies:
            found = [_without_bodies(entry) for entry in found]
        return m.JournalPage(entries=found, next_after=found[-1].id if found else after)

    def _matching(self, after: int, operation: str | None, status: int | None) -> list[m.JournalEntry]:
        return [entry for entry in self._entries if entry.id > after
                and (operation is None or entry.operation == operation)
                and (status is None or entry.status == status)]


def _without_bodies(entry: m.JournalEntry) -> m.JournalEntry:
    import msgspec

    return msgspec.structs.replace(entry, request_body=None, response_body=None)


@dataclass
class DevTools:
    """What a development server adds to each request: faults first, then the journal."""

    faults: Faults = field(default_factory=Faults)
    journal: Journal = field(default_factory=Journal)
