"""The only place that builds httpx clients: in-process (embedded server) or over HTTP."""

from __future__ import annotations

import httpx

from .. import __version__
from .config import ClientConfig

LOCAL_BASE_URL = "http://mes.local"


def build_http_client(config: ClientConfig) -> httpx.Client:
    headers = {"User-Agent": f"mes-cli/{__version__}"}
    if config.is_local:
        from ..server.http.app import create_app
        from ..server.settings import Settings

        app = create_app(Settings(data_dir=config.server_data_dir, dev=True))
        return httpx.Client(transport=httpx.WSGITransport(app=app), base_url=LOCAL_BASE_URL, headers=headers,
                            timeout=config.timeout)
    return httpx.Client(base_url=config.api_url, headers=headers, timeout=config.timeout)
