"""Where the CLI points and keeps its files: flag > environment > profile > default.

``MES_HOME`` holds everything (config, tokens, pending logins, and the embedded
server's data under ``server/``); without it the platform's user data directory
is used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

LOCAL = "local"


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
    timeout: float = 30.0
    server_data: Path | None = None  # the embedded server's data, when not under home (MES_SERVER_DATA)

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
    def display_target(self) -> str:
        return f"embedded server ({self.server_data_dir})" if self.is_local else self.api_url


def resolve(api_url: str | None = None, home: Path | None = None, admin_token: str | None = None,
            timeout: float | None = None, server_data: Path | None = None) -> ClientConfig:
    """Explicit values win; what is missing comes from the environment, then the defaults."""
    url = api_url or os.environ.get("MES_API_URL") or LOCAL
    if url != LOCAL and not url.startswith(("http://", "https://")):
        from ..contract.errors import MesError

        raise MesError("VALIDATION_ERROR", f"--api-url must be 'local' or an http(s):// URL, not {url!r}.",
                       {"field": "api_url"})
    return ClientConfig(
        api_url=url.rstrip("/") if url != LOCAL else url,
        home=home or default_home(),
        admin_token=admin_token or os.environ.get("MES_ADMIN_TOKEN"),
        timeout=timeout or float(os.environ.get("MES_TIMEOUT", "30")),
        server_data=server_data,
    )
