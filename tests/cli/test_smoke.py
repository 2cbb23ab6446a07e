"""`mes smoke`: green against the embedded and a real server, red with the broken step named."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from support.cli import Mes
from support.server import start_server

STEPS = ["health", "seed a person (admin API)", "activate with the letter's code", "log in with the e-mailed code",
         "upload a document", "list documents", "download and compare", "exchange a message", "clean up"]


def test_smoke_passes_writes_junit_and_closes_the_marked_test_person(mes, tmp_path):
    report = tmp_path / "smoke.xml"
    result = mes("smoke", "--junit-xml", str(report))
    assert result.exit_code == 0, result
    suite = ET.parse(report).getroot()
    assert suite.get("tests") == "9" and suite.get("failures") == "0" and suite.get("skipped") == "0"
    assert [case.get("name") for case in suite.iter("testcase")] == STEPS
    (email,) = [p.get("value") for p in suite.iter("property") if p.get("name") == "test_person"]
    assert email.startswith("smoke.") and email.endswith("@example.fr")
    # What it leaves is said, with how to find it; the space it created is closed, its data deleted.
    assert f"mes outbox --to {email}" in result.stderr and "Smoke Test" in result.stderr
    notices = [m for m in mes.ok("outbox", "--to", email) if m["kind"] == "account_closed"]
    assert len(notices) == 1 and "supprimées" in notices[0]["body"]


def test_smoke_refuses_a_server_without_dev_before_writing_anything(tmp_path):
    import sqlite3

    from mes_cli.server.settings import Settings

    server = start_server(tmp_path / "data", dev=False)  # no readable outbox: activation could not get its code
    try:
        mes = Mes(home=tmp_path / "home", api_url=server.url, admin_token=server.admin_token)
        report = tmp_path / "smoke.xml"
        result = mes("smoke", "--junit-xml", str(report))
        assert result.exit_code == 1 and "--dev" in result.stderr and "nothing was written" in result.stderr
        assert "Smoke test failed at “health”" in result.stderr
        cases = list(ET.parse(report).getroot().iter("testcase"))
        assert [case.get("name") for case in cases] == STEPS, "every step is listed, run or not"
        assert [case.get("name") for case in cases if case.find("failure") is not None] == ["health"]
        assert [case.get("name") for case in cases if case.find("skipped") is not None] == STEPS[1:]
        assert ET.parse(report).getroot().get("skipped") == "8"
    finally:
        server.stop()
    with sqlite3.connect(Settings(data_dir=tmp_path / "data").db_path) as db:
        assert db.execute("SELECT COUNT(*) FROM persons").fetchone() == (0,)
