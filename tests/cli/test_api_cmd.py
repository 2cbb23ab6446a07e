"""`mes api METHOD PATH`: the raw escape hatch, in-process and against a real server."""

from __future__ import annotations

import pytest

from mes_cli.cli.api_cmd import parse_field, typed
from support.flows import active_person


def test_get_prints_pretty_json(mes):
    result = mes("api", "GET", "/health")
    assert result.exit_code == 0, result
    assert result.json["status"] == "ok" and result.stdout.startswith("{\n  ")


def test_uses_the_current_session(mes):
    p = active_person(mes)
    assert mes.ok("api", "GET", "/v1/me")["account"]["identifier"] == p["identifier"]
    assert mes.ok("api", "get", "v1/me")["account"]["identifier"] == p["identifier"]


def test_errors_take_their_exit_code_from_the_error_body_printed_on_stdout(mes):
    anonymous = mes("api", "GET", "/v1/me")
    assert anonymous.exit_code == 4 and "AUTH_REQUIRED" in anonymous.stderr
    assert anonymous.json["error"]["code"] == "AUTH_REQUIRED", "the error body, as docs/json-output.md says"
    missing = mes("api", "GET", "/v1/nope")
    assert missing.exit_code == 7 and set(missing.json["error"]) >= {"code", "message", "details", "request_id"}


def test_fields_build_a_typed_json_body(mes):
    moved = mes.ok("api", "POST", "/v1/dev/clock", "-F", "advance_seconds=3600", "--field", "reset=false")
    again = mes.ok("api", "POST", "/v1/dev/clock", "-F", "advance_seconds:=0", "-F", "reset=true")
    assert moved != again
    bad = mes("api", "POST", "/v1/dev/clock", "-F", "advance_seconds=soon")
    assert bad.exit_code == 6, bad


def test_fields_of_a_get_go_in_the_query(mes):
    from support.flows import seed

    seed(mes)
    page = mes.ok("api", "GET", "/v1/dev/outbox", "-F", "limit=1")
    assert len(page["messages"] if isinstance(page, dict) and "messages" in page else page["items"]) == 1


def test_input_file_and_stdin(mes, tmp_path):
    body = tmp_path / "body.json"
    body.write_text('{"advance_seconds": 0, "reset": true}')
    from_file = mes.ok("api", "POST", "/v1/dev/clock", "--input", str(body))
    from_stdin = mes.ok("api", "POST", "/v1/dev/clock", "--input", "-", stdin=body.read_text())
    assert from_file.keys() == from_stdin.keys()
    assert mes("api", "POST", "/v1/dev/clock", "--input", str(tmp_path / "missing.json")).exit_code == 6


@pytest.mark.parametrize("args", [["FETCH", "/health"], ["POST", "/v1/dev/clock", "-F", "=1"],
                                  ["POST", "/x", "-F", "a=1", "--input", "-"], ["GET", "/health", "-H", "nocolon"]])
def test_usage_mistakes(mes, args):
    assert mes("api", *args).exit_code == 6


def test_field_typing():
    assert [typed(v) for v in ("12", "-3", "1.5", "true", "false", "null", "0612345678x", "nan", "abc")] == [
        12, -3, 1.5, True, False, None, "0612345678x", "nan", "abc"]
    assert parse_field("tags:=[1, \"a\"]") == ("tags", [1, "a"])
    assert parse_field("url=http://x/?a=b") == ("url", "http://x/?a=b")
    assert parse_field("empty=") == ("empty", "")
