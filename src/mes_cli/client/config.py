"""Where the CLI points and keeps its files: flag > environment > profile > default.

``MES_HOME`` holds everything (config, tokens, pending logins, and the embedded
server's data under ``server/``); without it the platform's user data directory
is used.

Named profiles live in ``MES_HOME/config.toml``, one table per profile::

    [profiles.default]
    api_url = "local"

    [profiles.staging]
    api_url = "https://mes.staging.example"
    format = "table"
    timeout = 10.0

TOML because people edit this file by hand (comments, no quoting of keys) and
Python reads it with the stdlib (``tomllib``); the values are flat scalars, so
writing it back is a few lines here rather than a dependency. The file is
written atomically with mode 0600 because it *may* hold an admin token: that
key is stored only when the user sets it explicitly (``mes config set
admin_token --value-stdin``), never from argv, and it is masked when listed.
Without any, a client talking over loopback to the server started from the same
MES_HOME reads the token that server generated (``local_server_admin_token``).
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..i18n import _

# In the server's data directory: the token `mes server run` generated (0600). The server names it too
# (server/runner.py): a remote command must not import the server to learn a file name.
ADMIN_TOKEN_FILE = "admin-token"

LOCAL = "local"
DEFAULT_PROFILE = "default"
CONFIG_FILE = "config.toml"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ATTEMPTS = 3
# Keys a profile may hold; admin_token is the one secret (masked when shown, never taken from argv).
PROFILE_KEYS = ("api_url", "format", "timeout", "for", "admin_token")
SECRET_KEYS = ("admin_token",)
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def default_home() -> Path:
    explicit = os.environ.get("MES_HOME")
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("mes-cli", appauthor=False))


@dataclass(frozen=True)
class ClientConfig:
    api_url: str = LOCAL
    home: Path = Path(".")
    admin_token: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    server_data: Path | None = None  # the embedded server's data, when not under home (MES_SERVER_DATA)
    profile: str = DEFAULT_PROFILE
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    debug_out: IO[str] | None = field(default=None, compare=False, repr=False)  # HTTP traffic goes here

    @property
    def is_local(self) -> bool:
        return self.api_url == LOCAL

    @property
    def server_data_dir(self) -> Path:
        return self.server_data or self.home / "server"

    @property
    def server_key(self) -> str:
        """Names the server in token files: the URL, or the embedded data directory."""
        return f"local:{self.server_data_dir.resolve()}" if self.is_local else self.api_url.rstrip("/")

    @property
    def session_key(self) -> str:
        """Names the session entry: the server, plus the profile unless it is the default one.

        Two profiles on the same server (two identities) thus keep two sessions;
        the default profile keeps the plain server key, so sessions stored before
        profiles existed still work.
        """
        if self.profile == DEFAULT_PROFILE:
            return self.server_key
        return f"{self.server_key}#profile={self.profile}"

    @property
    def display_target(self) -> str:
        """The server, for machine output (JSON, reports): always in English."""
        return f"embedded server ({self.server_data_dir})" if self.is_local else self.api_url

    def target_label(self) -> str:
        """The server, for sentences shown to people: ``display_target`` in the current language."""
        if self.is_local:
            return _("embedded server ({path})").format(path=self.server_data_dir)
        return self.api_url


def resolve(api_url: str | None = None, home: Path | None = None, admin_token: str | None = None,
            timeout: float | None = None, server_data: Path | None = None, *, profile: str | None = None,
            max_attempts: int | None = None, debug_out: IO[str] | None = None) -> ClientConfig:
    """Explicit values win; what is missing comes from the environment, then the profile, then the defaults."""
    home = home or default_home()
    name = profile or os.environ.get("MES_PROFILE") or DEFAULT_PROFILE
    settings = profile_settings(home, name, must_exist=name != DEFAULT_PROFILE)
    url = api_url or os.environ.get("MES_API_URL") or settings.get("api_url") or LOCAL
    check_api_url(url)
    if timeout is None:
        timeout = _number(os.environ.get("MES_TIMEOUT"), "MES_TIMEOUT")
    if max_attempts is None:
        max_attempts = int(_number(os.environ.get("MES_MAX_ATTEMPTS"), "MES_MAX_ATTEMPTS", integer=True) or 0) or None
    config = ClientConfig(
        api_url=url.rstrip("/") if url != LOCAL else url,
        home=home,
        admin_token=admin_token or os.environ.get("MES_ADMIN_TOKEN") or settings.get("admin_token"),
        timeout=timeout or settings.get("timeout") or DEFAULT_TIMEOUT,
        server_data=server_data,
        profile=name,
        max_attempts=max_attempts or DEFAULT_MAX_ATTEMPTS,
        debug_out=debug_out,
    )
    if config.admin_token is None:
        from dataclasses import replace

        config = replace(config, admin_token=local_server_admin_token(config))
    return config


def local_server_admin_token(config: ClientConfig) -> str | None:
    """The admin token that `mes server run` generated in this MES_HOME's server data, for a client that
    talks to that server over loopback: `mes server run` in one shell, `mes --api-url http://127.0.0.1:8000
    server seed …` in another, by the same user, without copying the token into MES_ADMIN_TOKEN.

    Why this is safe: the token is read only for a loopback URL, so it is sent to no other machine (and
    only with admin requests); the file is the one the server wrote for this very user under MES_HOME, whose
    whole data that user can read anyway; and it is used only when it belongs to the user running the
    command and nobody else may read or write it (mode 0600, as the server creates it) — a token file that
    another user could have planted or read is ignored.
    """
    if config.is_local or not is_loopback(config.api_url):
        return None
    path = config.server_data_dir / ADMIN_TOKEN_FILE
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077 or \
                (hasattr(os, "getuid") and info.st_uid != os.getuid()):
            return None
        return path.read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine: localhost, 127.0.0.0/8 or ::1."""
    import ipaddress
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def check_api_url(url: str) -> str:
    if url != LOCAL and not url.startswith(("http://", "https://")):
        from ..contract.errors import MesError

        raise MesError("VALIDATION_ERROR", _("--api-url must be 'local' or an http(s):// URL, not {url!r}.")
                       .format(url=url), {"field": "api_url"})
    return url


def _number(value: str | None, name: str, integer: bool = False) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = int(value) if integer else float(value)
    except ValueError:
        number = -1
    if number <= 0:
        from ..contract.errors import MesError

        if integer:
            message = _("{name} must be a whole number above 0, not {value!r}.")
        else:
            message = _("{name} must be a number of seconds above 0, not {value!r}.")
        raise MesError("VALIDATION_ERROR", message.format(name=name, value=value), {"field": name})
    return number


# -- the config file ------------------------------------------------------------------


def config_path(home: Path) -> Path:
    return home / CONFIG_FILE


def check_profile_name(name: str) -> str:
    if not _PROFILE_NAME.match(name):
        from ..contract.errors import MesError

        raise MesError("VALIDATION_ERROR", _("Profile names use letters, digits, '-' and '_' only, not {name!r}.")
                       .format(name=name), {"field": "profile"})
    return name


def load_profiles(home: Path) -> dict[str, dict[str, Any]]:
    """Every profile of the config file ({} when there is none)."""
    path = config_path(home)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise _unreadable(path, exc) from None
    import tomllib  # only when there is a file to read

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _unreadable(path, exc) from None
    profiles = data.get("profiles", {})
    return {name: dict(values) for name, values in profiles.items() if isinstance(values, dict)}


def _unreadable(path: Path, exc: Exception):
    from ..contract.errors import MesError

    return MesError("VALIDATION_ERROR", _("The config file {path} cannot be read ({problem}); fix or remove it.")
                    .format(path=path, problem=exc), {"field": "config"})


def profile_settings(home: Path, name: str, must_exist: bool = False) -> dict[str, Any]:
    profiles = load_profiles(home)
    if name not in profiles and must_exist:
        from ..contract.errors import MesError

        known = ", ".join(sorted({*profiles, DEFAULT_PROFILE}))  # 'default' always exists, even unwritten
        raise MesError("PROFILE_NOT_FOUND", _("No profile named {name!r} in {path} (known: {known}); "
                                              "create it with `mes --profile {name} config set api_url URL`.")
                       .format(name=name, path=config_path(home), known=known), {"field": "profile"})
    return profiles.get(name, {})


def save_profiles(home: Path, profiles: dict[str, dict[str, Any]]) -> Path:
    """Writes the config file atomically, mode 0600 (it may hold an admin token)."""
    from .state import write_private

    lines = ["# mes configuration: one [profiles.NAME] table per profile.",
             "# Written by `mes config set`; comments added by hand are not kept.", ""]
    for name in sorted(profiles):
        values = {k: v for k, v in profiles[name].items() if v is not None}
        lines.append(f"[profiles.{check_profile_name(name)}]")
        lines += [f"{_toml_key(key)} = {_toml_value(value)}" for key, value in values.items()]
        lines.append("")
    path = config_path(home)
    write_private(path, "\n".join(lines))
    return path


def _toml_key(key: str) -> str:
    return key if re.match(r"^[A-Za-z0-9_-]+$", key) else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string …
    return text.replace("\x7f", "\\u007f")  # … once DEL, which JSON leaves alone, is escaped
