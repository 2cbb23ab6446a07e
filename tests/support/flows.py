"""Multi-step flows written once and reused by the scenario tests."""

from __future__ import annotations

from support.cli import Mes
from support.people import STRONG_PASSWORD, person


def seed(mes: Mes, **overrides) -> dict:
    """Registers one person; returns their identity with the provisional code of their letter."""
    import json
    import tempfile

    data = person(**overrides)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump([data], handle)
    mes.ok("server", "seed", handle.name)
    letter = last_message(mes, data["nir"])
    data["code"] = letter["code"] if letter else None
    return data


def last_message(mes: Mes, to: str) -> dict | None:
    """The newest outbox message to this recipient (None when nothing was sent)."""
    result = mes("outbox", "--to", to, "--last")
    if result.exit_code == 7:
        return None
    assert result.exit_code == 0, result
    return result.json


def identity_args(p: dict) -> list[str]:
    return ["--nir", p["nir"], "--serial", p["card_serial"], "--birth-date", p["birth_date"]]


def activate(mes: Mes, p: dict, identifier: str | None = None, password: str = STRONG_PASSWORD) -> dict:
    identifier = identifier or f"user.{p['nir'][-6:]}{p['email'].split('.')[1] if p['email'] else ''}"
    result = mes.ok("activate", "--code", p["code"], *identity_args(p), "--identifier", identifier,
                    "--password-stdin", "--accept-terms", stdin=password + "\n")
    p["identifier"] = identifier
    p["password"] = password
    return result


def login(mes: Mes, p: dict, channel: str = "email") -> dict:
    mes.ok("login", "--identifier", p["identifier"], "--password-stdin", "--channel", channel,
           stdin=p["password"] + "\n")
    to = p["email"] if channel == "email" else p["mobile"]
    code = last_message(mes, to)["code"]
    return mes.ok("login", "--code", code)


def active_person(mes: Mes, **overrides) -> dict:
    p = seed(mes, **overrides)
    activate(mes, p)
    login(mes, p)
    return p
