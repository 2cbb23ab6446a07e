"""Settings of the reference server, with the [ours] choices of DOMAIN.md kept configurable."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

WEEK = dt.timedelta(weeks=1)


@dataclass(frozen=True)
class Policy:
    """Durations and limits of DOMAIN.md §2–3 ([official] unless noted)."""

    letter_code_validity: dt.timedelta = 6 * WEEK
    on_demand_code_validity: dt.timedelta = dt.timedelta(hours=72)  # [ours]
    opening_delay: dt.timedelta = 6 * WEEK  # CSP R1111-28
    new_code_min_delay: dt.timedelta = dt.timedelta(seconds=30)
    enrolment_validity: dt.timedelta = dt.timedelta(minutes=30)  # [ours]
    enrolment_max_failures: int = 5  # identification failures per NIR per window [ours]
    enrolment_failure_window: dt.timedelta = dt.timedelta(minutes=15)  # [ours]
    otp_validity: dt.timedelta = dt.timedelta(minutes=10)
    otp_max_tries: int = 5
    login_free_failures: int = 5  # failures before delays grow [standard]
    login_max_delay: dt.timedelta = dt.timedelta(minutes=15)  # [ours]
    login_lock_after: int = 100  # NIST: never more than 100 consecutive failures
    session_idle: dt.timedelta = dt.timedelta(hours=2)
    session_absolute: dt.timedelta = dt.timedelta(hours=12)
    reset_link_validity: dt.timedelta = dt.timedelta(minutes=30)  # [ours]
    archive_retention_years: int = 10  # CSP R1111-36
    deletion_delay_months: int = 3
    invitation_validity: dt.timedelta = dt.timedelta(days=7)  # [ours]
    max_profiles_per_caregiver: int = 5
    max_caregivers_per_profile: int = 3
    majority_age: int = 18  # the parents' access ends on this birthday [ours: MES publishes no rule]
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19 * 1024
    argon2_parallelism: int = 1
    # Recovery and activation answers take at least this long, found or not, so that their timing
    # does not tell who is registered (bench/enumeration.py) [ours]; above the store's and the
    # senders' usual time, well below what a person notices.
    uniform_answer_time: dt.timedelta = dt.timedelta(milliseconds=100)
    # Documents (DOMAIN.md §5): folder names and deletions in one request [official].
    folder_name_max: int = 50
    batch_delete_max: int = 10
    # A non-empty folder is deleted only when asked to move its documents out (to no folder) [ours].
    # A professional's new document follows the person's default "hidden from professionals" too [ours]:
    # the setting is the person's wish for every new document of the space, whoever adds it.
    professional_documents_follow_default: bool = True
    # What a CDA confidentialityCode makes of a document [ours: the CI-SIS leaves its interpretation to
    # each system; services/documents.py cda_levels says why]: "professionals" (MASQUE_PS) and/or
    # "legal_representatives" (INVISIBLE_REPRESENTANTS_LEGAUX).
    cda_confidentiality_levels: dict = field(default_factory=lambda: {
        "N": (), "R": ("professionals",), "V": ("professionals", "legal_representatives")})


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    dev: bool = False
    admin_token: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    max_body_bytes: int = 1_000_000  # JSON bodies
    max_document_bytes: int = 5_000_000  # DOMAIN.md §5
    # An IHE XDM archive a professional sends in one request (several documents, each within the
    # limit above) [ours]
    max_archive_bytes: int = 50_000_000
    policy: Policy = field(default_factory=Policy)
    smtp_url: str | None = None
    sms_webhook_url: str | None = None
    # Pad the answers of Operation.uniform_time operations; None: outside development mode only
    # (a development server shows every code in its outbox anyway, and the test suite stays fast).
    uniform_answers: bool | None = None
    # Where the metadata lives: None (SQLite in data_dir), sqlite:///path or postgresql://… (store/__init__.py)
    database_url: str | None = None
    # Threads serving requests: the PostgreSQL pool is sized for all of them using the database at
    # once (plus the periodic jobs' thread and the start-up's).
    threads: int = 8
    # Where documents' bytes live: "database" or "directory" (files under data_dir/blobs); None: in
    # the database on PostgreSQL (workers then share nothing but it), in the directory on SQLite.
    blob_storage: str | None = None
    # The key one-time codes are hashed with, in base64 (MES_SERVER_KEY, the same for every worker);
    # None: server.key in data_dir (security.py).
    server_key: str | None = field(default=None, repr=False)

    @property
    def pads_answers(self) -> bool:
        return not self.dev if self.uniform_answers is None else self.uniform_answers

    @property
    def blobs_in_database(self) -> bool:
        if self.blob_storage is None:
            return (self.database_url or "").startswith(("postgresql://", "postgres://"))
        return self.blob_storage == "database"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "mes.sqlite3"
