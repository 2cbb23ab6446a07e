"""`mes smoke`: green against the embedded and a real server, red with the broken step named."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from support.cli import Mes
from support.server import start_server


def test_smoke_passes_and_writes_junit(mes, tmp_path):
    report = tmp_path / "smoke.xml"
    result = mes("smoke", "--junit-xml", str(report))
    assert result.exit_code == 0, result
    suite = ET.parse(report).getroot()
    assert suite.get("tests") == "9" and suite.get("failures") == "0"
    assert [case.get("name") for case in suite][1:3] == ["health", "seed a person (admin API)"]


def test_smoke_names_the_broken_step(tmp_path):
    server = start_server(tmp_path / "data", dev=False)  # no readable outbox: activation cannot get its code
    try:
        mes = Mes(home=tmp_path / "home", api_url=server.url, admin_token=server.admin_token)
        report = tmp_path / "smoke.xml"
        result = mes("smoke", "--junit-xml", str(report))
        assert result.exit_code == 1 and "activate with the letter's code" in result.stderr
        assert "DEV_MODE_REQUIRED" in result.stderr
        failures = [case for case in ET.parse(report).getroot() if case.find("failure") is not None]
        assert [case.get("name") for case in failures] == ["activate with the letter's code"]
    finally:
        server.stop()
