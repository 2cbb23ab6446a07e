"""Fixtures of the server-level tests: the reference server in-process, called over its HTTP API.

Each server gets its own data directory. The wall clock the server reads is frozen
(``FROZEN_NOW``) for the whole module, so that time moves only when a test moves the
server's clock (POST /v1/dev/clock): delays and expiries are then exact, never
racing a second boundary.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from mes_cli.server import clock
from mes_cli.server.settings import Policy, Settings
from support.api import Api, build_context

FROZEN_NOW = dt.datetime(2026, 3, 2, 9, 30, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module", autouse=True)
def frozen_time():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "utcnow", lambda: FROZEN_NOW)
        yield FROZEN_NOW


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    """Every server test that builds a server runs on both stores (a module may pin one by
    defining its own ``backend`` fixture, for tests about SQLite's files)."""
    return request.param


@pytest.fixture
def make_api(tmp_path, request, backend):
    """Builds servers: ``make_api(dev=..., admin_token=..., record=..., **policy_or_settings)``.

    Policy fields (``login_free_failures=2`` …) go into a ``Policy`` built with
    ``dataclasses.replace``; other keywords are ``Settings`` fields. ``record``
    keeps every notification as sent (see ``support.api.RecordingOutbox``).
    """
    servers: list[Api] = []
    policy_fields = {f.name for f in dataclasses.fields(Policy)}

    databases: list[str] = []

    def build(*, dev: bool = True, record: bool = False, data_dir: Path | None = None, **options) -> Api:
        if backend == "postgresql" and "database_url" not in options:
            options["database_url"] = request.getfixturevalue("postgres").new_database()
            databases.append(options["database_url"])
        policy = dataclasses.replace(Policy(), **{k: v for k, v in options.items() if k in policy_fields})
        settings = Settings(data_dir=data_dir or tmp_path / f"server-{len(servers)}", dev=dev, policy=policy,
                            **{k: v for k, v in options.items() if k not in policy_fields})
        api = Api.start(settings, build_context(settings, record=record))
        servers.append(api)
        return api

    yield build
    for api in servers:
        api.close()
    for url in databases:
        request.getfixturevalue("postgres").drop_database(url)


@pytest.fixture
def api(make_api) -> Api:
    """A development-mode server (admin open, outbox readable, clock movable)."""
    return make_api()
