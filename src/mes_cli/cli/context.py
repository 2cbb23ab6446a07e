"""The application context shared by every command (hatch-style): where to talk, how to print, how to ask."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..contract.errors import MesError
from .env import Env


@dataclass
class AppContext:
    env: Env
    api_url: str | None = None
    home: Path | None = None
    debug: bool = False
    quiet: bool = False
    _client: Any = field(default=None, repr=False)
    _config: Any = field(default=None, repr=False)

    # -- where to talk -------------------------------------------------------------

    @property
    def config(self):
        if self._config is None:
            from ..client.config import resolve

            timeout = self.env.get("MES_TIMEOUT")
            self._config = resolve(self.api_url or self.env.get("MES_API_URL"),
                                   home=self.home or _home_from(self.env),
                                   admin_token=self.env.get("MES_ADMIN_TOKEN"),
                                   timeout=float(timeout) if timeout else None)
        return self._config

    def use_admin_token(self, token: str | None) -> None:
        """An --admin-token option wins over MES_ADMIN_TOKEN (read when the config was resolved)."""
        if token:
            import dataclasses

            self._config = dataclasses.replace(self.config, admin_token=token)

    @property
    def client(self):
        if self._client is None:
            from ..client.api import MesClient

            self._client = MesClient(self.config, token=self.token())
        return self._client

    def session_file(self):
        from ..client.state import sessions

        return sessions(self.config.home, self.config.server_key)

    def pending(self, name: str):
        from ..client.state import pending

        return pending(self.config.home, self.config.server_key, name)

    def token(self) -> str | None:
        explicit = self.env.get("MES_TOKEN")
        if explicit:
            return explicit
        stored = self.session_file().get()
        return stored.get("token") if stored else None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    # -- how to print --------------------------------------------------------------

    def emit(self, value: Any, fmt: str | None, columns=None) -> None:
        from .output import render, resolve_format

        render(value, resolve_format(fmt, self.env), self.env.stdout, columns)

    def say(self, message: str) -> None:
        """A message for the person (stderr, so stdout stays data only)."""
        if not self.quiet:
            self.env.stderr.write(message + "\n")
            self.env.stderr.flush()

    # -- how to ask ----------------------------------------------------------------

    def ask(self, value: Any, *, flag: str, prompt: str, secret: bool = False, help: str | None = None,
            check: Callable[[str], Any] | None = None, confirm: bool = False, allow_empty: bool = False) -> Any:
        """The value given by flag, else a prompt on a terminal, else a clear error naming the flag.

        With ``check``, a prompt asks again until the answer passes; a flag
        value that fails is an error at once.
        """
        if value is not None:
            return check(value) if check else value
        if not self.env.interactive:
            raise MesError("INPUT_REQUIRED", f"Missing {flag}: there is no terminal to ask on "
                           "(stdin is not a TTY, or CI is set).", {"flag": flag})
        import typer

        if help:
            self.say(help)
        while True:
            answer = typer.prompt(prompt, hide_input=secret, confirmation_prompt=confirm, err=True,
                                  default="" if allow_empty else None, show_default=False).strip()
            if check is None:
                return answer
            try:
                return check(answer)
            except MesError as exc:
                self.say(f"  ✗ {exc.message}")

    def confirm(self, question: str, yes: bool, flag: str = "--yes") -> None:
        if yes:
            return
        if not self.env.interactive:
            raise MesError("INPUT_REQUIRED", f"Confirmation needed: add {flag} to proceed without a terminal.",
                           {"flag": flag})
        import typer

        if not typer.confirm(question, default=False, err=True):
            raise typer.Abort()

    def read_secret_stdin(self, what: str = "password") -> str:
        line = self.env.stdin.readline()
        value = line.rstrip("\r\n")
        if not value:
            raise MesError("INPUT_REQUIRED", f"--{what}-stdin was given but standard input is empty.",
                           {"flag": f"--{what}-stdin"})
        return value


def _home_from(env: Env) -> Path | None:
    value = env.get("MES_HOME")
    return Path(value).expanduser() if value else None
