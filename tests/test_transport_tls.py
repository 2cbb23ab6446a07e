"""An ``http://`` server is reached over the standard library's HTTP (client/http11.py), which never speaks
TLS; an ``https://`` server gets httpx's verifying default."""

from __future__ import annotations

import ssl

import httpx
import pytest

from mes_cli.client.config import resolve
from mes_cli.client.http11 import StdlibHTTPTransport
from mes_cli.client.transport import build_http_client


def test_a_plain_http_server_gets_the_plain_transport_which_refuses_https(tmp_path):
    with build_http_client(resolve("http://127.0.0.1:8000", home=tmp_path)) as client:
        transport = client._transport
        assert isinstance(transport, StdlibHTTPTransport)
        assert client.follow_redirects is False  # an https:// URL is never reached from here
        with pytest.raises(httpx.UnsupportedProtocol):
            transport.handle_request(httpx.Request("GET", "https://mes.example.org/health"))


def test_an_https_server_is_verified_as_httpx_does(tmp_path):
    with build_http_client(resolve("https://mes.example.org", home=tmp_path)) as client:
        context = client._transport._pool._ssl_context  # httpx → httpcore's pool: where the context lives
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0
