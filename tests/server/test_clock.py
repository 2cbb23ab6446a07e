"""The clock reads a development server's offset at most once per request, and again once it moved."""

from __future__ import annotations

import threading

from mes_cli.server.clock import Clock, one_reading_per_request


def _counting_clock() -> tuple[Clock, list[int]]:
    readings: list[int] = []
    offsets = iter(range(0, 10_000, 100))

    def source() -> int:
        readings.append(next(offsets))
        return readings[-1]

    return Clock(source), readings


def test_outside_a_request_every_now_reads_the_offset():
    clock, readings = _counting_clock()
    clock.now(), clock.now(), clock.today()
    assert readings == [0, 100, 200]


def test_a_request_reads_it_once_and_again_after_moving_it():
    clock, readings = _counting_clock()
    with one_reading_per_request():
        first, second = clock.now(), clock.now()
        assert readings == [0] and (second - first).total_seconds() < 5
        clock.moved()
        moved = clock.now()
        assert readings == [0, 100] and 95 <= (moved - first).total_seconds() < 105
    clock.now()  # the request is over: read again
    assert readings == [0, 100, 200]


def test_concurrent_requests_keep_their_own_reading():
    clock, readings = _counting_clock()
    seen: dict[str, list[float]] = {}

    def request(name: str, started: threading.Event, go_on: threading.Event) -> None:
        with one_reading_per_request():
            seen[name] = [clock.now().timestamp()]
            started.set()
            go_on.wait(5)
            seen[name].append(clock.now().timestamp())

    events = {name: (threading.Event(), threading.Event()) for name in ("a", "b")}
    threads = {name: threading.Thread(target=request, args=(name, *events[name])) for name in events}
    threads["a"].start()
    events["a"][0].wait(5)
    threads["b"].start()
    events["b"][0].wait(5)
    for name in events:
        events[name][1].set()
        threads[name].join(5)
    assert len(readings) == 2  # one per request, whatever each read later
    a, b = seen["a"], seen["b"]
    assert abs((b[0] - a[0]) - 100) < 5 and abs((a[1] - a[0])) < 5 and abs((b[1] - b[0])) < 5
