"""Running `mes` in-process with a swappable environment, against the embedded or a real server."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mes_cli.cli.app import run
from mes_cli.cli.env import Env


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"Result(exit={self.exit_code}, stdout={self.stdout[:400]!r}, stderr={self.stderr[:400]!r})"


@dataclass
class Mes:
    """`mes` bound to one home directory and one server (``api_url`` 'local' or http://…)."""

    home: Path
    api_url: str = "local"
    admin_token: str | None = None
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def remote(self) -> bool:
        return self.api_url != "local"

    def __call__(self, *args: str, stdin: str = "", env: dict[str, str] | None = None, tty: bool = False) -> Result:
        variables = {"MES_HOME": str(self.home), "MES_API_URL": self.api_url, "MES_FORMAT": "json",
                     **self.variables, **(env or {})}
        if self.admin_token:
            variables.setdefault("MES_ADMIN_TOKEN", self.admin_token)
        out, err = io.StringIO(), io.StringIO()
        environment = Env(stdin=io.StringIO(stdin), stdout=out, stderr=err, vars=variables,
                          stdin_is_tty=tty, stdout_is_tty=False)
        code = run(list(args), environment)
        return Result(code, out.getvalue(), err.getvalue())

    def ok(self, *args: str, **kwargs) -> Any:
        result = self(*args, **kwargs)
        assert result.exit_code == 0, result
        return result.json if result.stdout.strip() else None

    def as_other(self, home: Path) -> "Mes":
        """Another person (own home, own session) on the same server — the embedded one included."""
        variables = dict(self.variables)
        if not self.remote:
            variables.setdefault("MES_SERVER_DATA", str(self.home / "server"))
        return Mes(home=home, api_url=self.api_url, admin_token=self.admin_token, variables=variables)
