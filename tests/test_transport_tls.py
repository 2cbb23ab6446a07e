"""An ``http://`` server is reached without loading the certificate authorities, and that shortcut fails
closed; an ``https://`` server gets httpx's verifying default."""

from __future__ import annotations

import ssl

from mes_cli.client.config import resolve
from mes_cli.client.transport import build_http_client


def _tls_context(client) -> ssl.SSLContext:
    return client._transport._pool._ssl_context  # httpx → httpcore's pool: where the context lives


def test_a_plain_http_server_needs_no_authorities_and_trusts_none(tmp_path):
    with build_http_client(resolve("http://127.0.0.1:8000", home=tmp_path)) as client:
        context = _tls_context(client)
    assert context.cert_store_stats()["x509_ca"] == 0  # nothing loaded, nothing trusted
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname  # so any TLS use fails
    assert client.follow_redirects is False  # an https:// URL is never reached from here


def test_an_https_server_is_verified_as_httpx_does(tmp_path):
    with build_http_client(resolve("https://mes.example.org", home=tmp_path)) as client:
        context = _tls_context(client)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0
