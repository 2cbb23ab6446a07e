"""The application context shared by every command (hatch-style): where to talk, how to print, how to ask."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..contract.errors import MesError
from ..i18n import _
from .env import Env


@dataclass
class AppContext:
    env: Env
    api_url: str | None = None
    home: Path | None = None
    debug: bool = False
    quiet: bool = False
    for_child: str | None = None
    profile_name: str | None = None  # --profile (config profile; not to be confused with a health profile)
    timeout: float | None = None  # --timeout
    format: str | None = None  # --format given before the command (a command's own --format wins)
    columns: tuple[str, ...] = ()  # --columns
    wide: bool = False  # --wide
    _client: Any = field(default=None, repr=False)
    _config: Any = field(default=None, repr=False)
    _profile: str | None = field(default=None, repr=False)

    # -- where to talk -------------------------------------------------------------

    @property
    def config(self):
        """flag > environment > config profile > default (client/config.py)."""
        if self._config is None:
            from ..client.config import resolve

            debug_api = self.debug or "api" in (self.env.get("MES_DEBUG") or "").lower().split(",")
            self._config = resolve(self.api_url or self.env.get("MES_API_URL") or None,
                                   home=self.home or _home_from(self.env),
                                   admin_token=self.env.get("MES_ADMIN_TOKEN"),
                                   timeout=self.timeout or _number(self.env, "MES_TIMEOUT"),
                                   server_data=_path(self.env.get("MES_SERVER_DATA")),
                                   profile=self.selected_profile,
                                   max_attempts=_number(self.env, "MES_MAX_ATTEMPTS", integer=True),
                                   debug_out=self.env.stderr if debug_api else None)
        return self._config

    @property
    def selected_profile(self) -> str:
        """The config profile: --profile, else MES_PROFILE, else 'default'."""
        from ..client.config import DEFAULT_PROFILE, check_profile_name

        return check_profile_name(self.profile_name or self.env.get("MES_PROFILE") or DEFAULT_PROFILE)

    def profile_settings(self) -> dict:
        from ..client.config import profile_settings

        return profile_settings(self.config.home, self.config.profile)

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

        return sessions(self.config.home, self.config.session_key)

    def pending(self, name: str):
        from ..client.state import pending

        return pending(self.config.home, self.config.session_key, name)

    def token(self) -> str | None:
        explicit = self.env.get("MES_TOKEN")
        if explicit:
            return explicit
        stored = self.session_file().get()
        return stored.get("token") if stored else None

    # -- whose profile ---------------------------------------------------------------

    def resolve_child(self, name_or_id: str):
        """An attached child by profile id, first name or full name (case and accents ignored)."""
        from ..domain._text import fold

        wanted = fold(name_or_id)
        attached = [c for c in self.client.children().children if c.status == "attached"]
        matches = [c for c in attached if c.profile_id == name_or_id
                   or wanted in (fold(c.first_name), fold(f"{c.first_name} {c.last_name}"))]
        if len(matches) == 1:
            return matches[0]
        names = ", ".join(f"{c.first_name} {c.last_name} ({c.profile_id})" for c in attached) or _("none")
        if matches:
            message = _("several attached profiles match {name!r}; attached: {names}. See `mes children list`.")
        else:
            message = _("no attached profile matches {name!r}; attached: {names}. See `mes children list`.")
        raise MesError("PROFILE_NOT_FOUND", message.format(name=name_or_id, names=names), {"field": "for"})

    def profile(self) -> str:
        """The profile commands act on: yours, or a child's with --for / MES_FOR (said on stderr)."""
        if self._profile is None:
            wanted = self.for_child or self.env.get("MES_FOR") or self.profile_settings().get("for")
            if not wanted:
                self._profile = "me"
            else:
                child = self.resolve_child(wanted)
                self.say(_("Profile of {first_name} {last_name} ({profile_id})").format(
                    first_name=child.first_name, last_name=child.last_name, profile_id=child.profile_id))
                self._profile = child.profile_id
        return self._profile

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    # -- how to print --------------------------------------------------------------

    def output_format(self, fmt: str | None) -> str:
        """flag > MES_FORMAT > the config profile's format > table on a terminal, json otherwise."""
        from .output import resolve_format

        fmt = fmt or self.format
        if not fmt and not self.env.get("MES_FORMAT"):
            fmt = self.profile_settings().get("format")
        return resolve_format(fmt, self.env)

    def emit(self, value: Any, fmt: str | None, columns=None) -> None:
        """``value`` on stdout; ``columns`` are the table's default ones (``--columns``/``--wide`` change them)."""
        from .output import TableChoice, render

        render(value, self.output_format(fmt), self.env.stdout, columns,
               TableChoice(self.columns, self.wide, self.env.terminal_width))

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
            raise MesError("INPUT_REQUIRED", _("Missing {flag}: there is no terminal to ask on "
                                              "(stdin is not a TTY, or CI is set).").format(flag=flag), {"flag": flag})
        if help:
            self.say(help)
        while True:
            answer = self._prompt(prompt, secret=secret, confirmation=_("Repeat for confirmation") if confirm else None,
                                  default="" if allow_empty else None).strip()
            if check is None:
                return answer
            try:
                return check(answer)
            except MesError as exc:
                self.say(f"  ✗ {exc.message}")

    def confirm(self, question: str, yes: bool, flag: str = "--yes") -> None:
        """Goes on with ``--yes`` or a yes on the terminal; stops (exit 130) otherwise."""
        if yes:
            return
        if not self.env.interactive:
            raise MesError("INPUT_REQUIRED", _("Confirmation needed: add {flag} to proceed without a terminal.").format(
                flag=flag), {"flag": flag})
        if not self.yes_no(question, default=False):
            import typer

            raise typer.Abort()

    def yes_no(self, question: str, default: bool) -> bool:
        """A yes/no question on the terminal, answered in the user's language (o/oui in French) or English."""
        hint = _("[Y/n]") if default else _("[y/N]")
        yes, no = _("yes"), _("no")  # French: oui/o, non/n; English answers work in every language
        while True:  # anything else ("maybe", a typo) is asked again, never taken for a no
            answer = self._prompt(f"{question} {hint}", default="").strip().lower()
            if not answer:
                return default
            if answer in {"y", "yes", yes, yes[:1]}:
                return True
            if answer in {"n", "no", no, no[:1]}:
                return False
            self.say("  ✗ " + _("Please answer {yes} or {no} (or press Enter for the answer in capitals).").format(
                yes=yes, no=no))

    def _prompt(self, text: str, *, secret: bool = False, confirmation: str | None = None,
                default: str | None = None) -> str:
        """One answer from the terminal (typer's prompt); from ``env.stdin`` when it was swapped (tests, demo).

        typer reads the process' stdin and writes to its stderr whatever the environment
        object says; a swapped one is read line by line the same way: the prompt on stderr,
        an empty line is the default (or asked again without one), a confirmation must match.
        """
        import sys

        import typer

        if self.env.stdin is sys.stdin:
            return typer.prompt(prompt_line(text), hide_input=secret, err=True, default=default, show_default=False,
                                confirmation_prompt=prompt_line(confirmation) if confirmation else False,
                                prompt_suffix="")

        def line(question: str) -> str:
            self.env.stderr.write(prompt_line(question))
            read = self.env.stdin.readline()
            if not read:  # end of input: as Ctrl-D on a terminal
                raise typer.Abort()
            self.env.stderr.write("\n" if secret else read)
            return read.rstrip("\r\n")

        while True:
            answer = line(text)
            if not answer and default is None:
                continue
            answer = answer or default
            if confirmation and line(confirmation) != answer:
                self.say(_("Error: the two entered values do not match."))
                continue
            return answer

    def read_secret_stdin(self, what: str = "password") -> str:
        line = self.env.stdin.readline()
        value = line.rstrip("\r\n")
        if not value:
            raise MesError("INPUT_REQUIRED", _("{flag} was given but standard input is empty.").format(
                flag=f"--{what}-stdin"), {"flag": f"--{what}-stdin"})
        return value


def prompt_line(question: str) -> str:
    """A question as the terminal asks it, colon included: French typography puts a space before the
    colon ("Identifiant : "), English none ("Identifier: ")."""
    return _("{question}: ").format(question=question)


def _home_from(env: Env) -> Path | None:
    return _path(env.get("MES_HOME"))


def _number(env: Env, name: str, integer: bool = False) -> float | None:
    from ..client.config import _number as number

    return number(env.get(name), name, integer)


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None
