"""Answers about a person named without logging in take one minimum time, found or not.

Recovery, new codes, activation and opposition tell nothing by their message or status
(tests/cli/test_lifecycle.py); this is the timing half: the server pads those answers to
``Policy.uniform_answer_time`` (outside development mode, or when asked), errors included.
bench/enumeration.py measures what is left.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from mes_cli.server.http.routes import OPERATIONS
from mes_cli.server.settings import Settings
from support.people import person

FLOOR = dt.timedelta(milliseconds=60)
PADDED = {"requestProvisionalCode", "startEnrolment", "oppose", "recoverIdentifier", "requestPasswordReset"}


def test_exactly_the_anonymous_person_lookups_are_padded():
    assert {operation.operation_id for operation in OPERATIONS if operation.uniform_time} == PADDED
    assert all(operation.access == "public" for operation in OPERATIONS if operation.uniform_time)


def test_production_servers_pad_and_development_servers_do_not_unless_asked(tmp_path):
    assert Settings(data_dir=tmp_path).pads_answers
    assert not Settings(data_dir=tmp_path, dev=True).pads_answers
    assert Settings(data_dir=tmp_path, dev=True, uniform_answers=True).pads_answers


@pytest.fixture
def padded(make_api):
    return make_api(uniform_answers=True, uniform_answer_time=FLOOR)


def _timed(call) -> tuple[float, int]:
    start = time.monotonic()
    response = call()
    return time.monotonic() - start, response.status_code


def test_found_and_not_found_both_take_the_minimum_time(padded):
    registered = padded.seed()
    padded.activate(registered)
    nobody = person()
    floor = FLOOR.total_seconds()
    cases = {
        "recover-id": lambda p: padded.post("/v1/identifier-recovery",
                                            {"nir": p["nir"], "birth_date": p["birth_date"], "channel": "email"}),
        "reset": lambda p: padded.post("/v1/password-resets", {**padded.identity(p), "channel": "email"}),
        "activation": lambda p: padded.post("/v1/enrolments", {**padded.identity(p), "code": "Zz9Zz9Zz9Zz9"}),
    }
    for name, call in cases.items():
        found, found_status = _timed(lambda: call(registered))
        absent, absent_status = _timed(lambda: call(nobody))
        assert found_status == absent_status, name
        assert found >= floor and absent >= floor, (name, found, absent)


def test_other_operations_are_not_padded(padded):
    """The fastest of twenty health checks answers before the floor, which no padded answer can."""
    durations = [_timed(lambda: padded.get("/health"))[0] for _ in range(20)]
    assert min(durations) < FLOOR.total_seconds()
