"""Everything a service needs, built once per server: settings, store, clock, secrets, outbox."""

from __future__ import annotations

from dataclasses import dataclass

from ..contract.errors import MesError
from .clock import Clock
from .devtools import DevTools
from .notify import Outbox
from .notify.senders import Sender, SmtpSender, WebhookSmsSender
from .security import Secrets, check_key_fingerprint, server_key
from .settings import Settings
from .store import Store, open_store
from .store.blobs import BlobStore, DatabaseBlobs, FileBlobs
from .store.db import prepare_data_dir

CLOCK_OFFSET_KEY = "clock_offset_seconds"


@dataclass
class ServerContext:
    settings: Settings
    store: Store
    clock: Clock
    secrets: Secrets
    outbox: Outbox
    blobs: BlobStore
    # Fault injection and the request journal: a served development server only (runner.start)
    devtools: DevTools | None = None

    @property
    def policy(self):
        return self.settings.policy

    @classmethod
    def build(cls, settings: Settings) -> "ServerContext":
        prepare_data_dir(settings.data_dir)  # temp files, and the server key unless MES_SERVER_KEY gives it
        store = open_store(settings.database_url, settings.db_path, connections=settings.threads + 2)
        # Only a development server can have its clock moved: elsewhere no query on every now().
        clock = Clock((lambda: int(store.get_meta(CLOCK_OFFSET_KEY, "0"))) if settings.dev else (lambda: 0))
        senders: dict[str, Sender] = {}
        if settings.smtp_url:
            senders["email"] = SmtpSender(settings.smtp_url)
        if settings.sms_webhook_url:
            senders["sms"] = WebhookSmsSender(settings.sms_webhook_url)
        outbox = Outbox(store, clock, senders, keep_secrets=settings.dev)
        key = server_key(settings.data_dir, settings.server_key)
        try:
            check_key_fingerprint(store, key)
        except MesError:
            store.shutdown()
            raise
        secrets = Secrets(key, settings.policy)
        return cls(settings, store, clock, secrets, outbox, blob_store(settings, store))


def blob_store(settings: Settings, store) -> BlobStore:
    """Where this server keeps documents' bytes (Settings.blobs_in_database)."""
    if settings.blobs_in_database:
        return DatabaseBlobs(store, settings.data_dir / "tmp")
    return FileBlobs(settings.data_dir / "blobs")
