"""The database schema, as an ordered list of migrations.

``PRAGMA user_version`` records how many have been applied; a migration runs in
the same transaction that bumps the version, so a crash leaves the schema either
before or after it. The SQL stays portable (no SQLite-only types) so that a
PostgreSQL backend can follow.
"""

MIGRATIONS: list[str] = [
    """
    CREATE TABLE persons (
        id          TEXT PRIMARY KEY,
        nir         TEXT NOT NULL UNIQUE,
        birth_date  TEXT NOT NULL,
        first_name  TEXT NOT NULL,
        last_name   TEXT NOT NULL,
        card_serial TEXT,
        card_type   TEXT NOT NULL,
        email       TEXT,
        mobile      TEXT,
        deceased    INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT NOT NULL
    );
    CREATE TABLE representatives (
        child_id  TEXT NOT NULL REFERENCES persons(id),
        parent_id TEXT NOT NULL REFERENCES persons(id),
        PRIMARY KEY (child_id, parent_id)
    );
    CREATE TABLE spaces (
        person_id           TEXT PRIMARY KEY REFERENCES persons(id),
        state               TEXT NOT NULL,
        letter_sent_at      TEXT NOT NULL,
        opens_at            TEXT NOT NULL,
        identifier          TEXT UNIQUE,
        password_hash       TEXT,
        activated_at        TEXT,
        opposed_at          TEXT,
        opposition_ref      TEXT,
        closed_at           TEXT,
        delete_after        TEXT,
        totp_secret         TEXT,
        totp_pending_secret TEXT
    );
    CREATE TABLE provisional_codes (
        id          INTEGER PRIMARY KEY,
        person_id   TEXT NOT NULL REFERENCES persons(id),
        code_hash   TEXT NOT NULL,
        channel     TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        expires_at  TEXT NOT NULL,
        used_at     TEXT,
        revoked_at  TEXT
    );
    CREATE INDEX provisional_codes_person ON provisional_codes(person_id, created_at);
    CREATE TABLE enrolments (
        id_hash        TEXT PRIMARY KEY,
        person_id      TEXT NOT NULL REFERENCES persons(id),
        code_id        INTEGER NOT NULL REFERENCES provisional_codes(id),
        created_at     TEXT NOT NULL,
        expires_at     TEXT NOT NULL,
        email          TEXT,
        mobile         TEXT,
        email_verified INTEGER NOT NULL DEFAULT 1,
        mobile_verified INTEGER NOT NULL DEFAULT 1,
        completed_at   TEXT
    );
    CREATE TABLE challenges (
        id_hash     TEXT PRIMARY KEY,
        purpose     TEXT NOT NULL,
        person_id   TEXT REFERENCES persons(id),
        parent      TEXT,
        channel     TEXT NOT NULL,
        destination TEXT,
        code_hash   TEXT,
        created_at  TEXT NOT NULL,
        expires_at  TEXT NOT NULL,
        tries       INTEGER NOT NULL DEFAULT 0,
        used_at     TEXT
    );
    CREATE INDEX challenges_parent ON challenges(parent, purpose);
    CREATE TABLE sessions (
        token_hash   TEXT PRIMARY KEY,
        person_id    TEXT NOT NULL REFERENCES persons(id),
        created_at   TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        expires_at   TEXT NOT NULL,
        revoked_at   TEXT
    );
    CREATE INDEX sessions_person ON sessions(person_id);
    CREATE TABLE outbox (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        channel    TEXT NOT NULL,
        recipient  TEXT NOT NULL,
        subject    TEXT NOT NULL,
        body       TEXT NOT NULL,
        kind       TEXT NOT NULL,
        code       TEXT,
        link       TEXT,
        person_id  TEXT
    );
    CREATE INDEX outbox_recipient ON outbox(recipient, id);
    CREATE TABLE throttles (
        key        TEXT PRIMARY KEY,
        count      INTEGER NOT NULL,
        first_at   TEXT NOT NULL,
        last_at    TEXT NOT NULL
    );
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # A TOTP code is accepted once: the last time step used is remembered.
    """
    ALTER TABLE spaces ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
    """,
    # Documents: metadata here, bytes in content-addressed blob files (store/blobs.py).
    """
    CREATE TABLE blobs (
        sha256     TEXT PRIMARY KEY,
        size       INTEGER NOT NULL,
        media_type TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE documents (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        id              TEXT NOT NULL UNIQUE,
        profile_id      TEXT NOT NULL REFERENCES persons(id),
        title           TEXT NOT NULL,
        category        TEXT NOT NULL,
        document_date   TEXT,
        author          TEXT,
        uploaded_by     TEXT NOT NULL,
        media_type      TEXT NOT NULL,
        size            INTEGER NOT NULL,
        sha256          TEXT NOT NULL REFERENCES blobs(sha256),
        hidden          INTEGER NOT NULL DEFAULT 0,
        created_at      TEXT NOT NULL,
        idempotency_key TEXT,
        UNIQUE (profile_id, idempotency_key)
    );
    CREATE INDEX documents_by_profile ON documents(profile_id, seq);
    CREATE INDEX documents_by_category ON documents(profile_id, category, seq);
    CREATE INDEX documents_by_sha ON documents(sha256);
    """,
    # The medical profile: entries of each section as validated JSON, plus the vaccination booklet.
    """
    CREATE TABLE profile_entries (
        id         TEXT PRIMARY KEY,
        profile_id TEXT NOT NULL REFERENCES persons(id),
        section    TEXT NOT NULL,
        fields     TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX profile_entries_by_section ON profile_entries(profile_id, section, created_at);
    CREATE TABLE profile_sections (
        profile_id    TEXT NOT NULL REFERENCES persons(id),
        section       TEXT NOT NULL,
        not_concerned INTEGER NOT NULL,
        PRIMARY KEY (profile_id, section)
    );
    CREATE TABLE profile_facts (
        profile_id TEXT NOT NULL REFERENCES persons(id),
        key        TEXT NOT NULL,
        value      TEXT NOT NULL,
        PRIMARY KEY (profile_id, key)
    );
    CREATE TABLE vaccinations (
        id         TEXT PRIMARY KEY,
        profile_id TEXT NOT NULL REFERENCES persons(id),
        vaccine    TEXT NOT NULL,
        date       TEXT NOT NULL,
        dose       TEXT NOT NULL,
        lot        TEXT,
        performer  TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX vaccinations_by_profile ON vaccinations(profile_id, date);
    CREATE TABLE reminder_notices (
        profile_id TEXT NOT NULL REFERENCES persons(id),
        reminder   TEXT NOT NULL,
        sent_at    TEXT NOT NULL,
        PRIMARY KEY (profile_id, reminder)
    );
    """,
    # Attached profiles: who cares for which child's profile, and invitations to share one.
    """
    CREATE TABLE caregivers (
        profile_id   TEXT NOT NULL REFERENCES persons(id),
        caregiver_id TEXT NOT NULL REFERENCES persons(id),
        role         TEXT NOT NULL,
        since        TEXT NOT NULL,
        PRIMARY KEY (profile_id, caregiver_id)
    );
    CREATE INDEX caregivers_by_caregiver ON caregivers(caregiver_id);
    CREATE TABLE invitations (
        id          TEXT PRIMARY KEY,
        profile_id  TEXT NOT NULL REFERENCES persons(id),
        from_id     TEXT NOT NULL REFERENCES persons(id),
        to_id       TEXT NOT NULL REFERENCES persons(id),
        created_at  TEXT NOT NULL,
        expires_at  TEXT NOT NULL,
        status      TEXT NOT NULL,
        answered_at TEXT
    );
    CREATE INDEX invitations_by_invitee ON invitations(to_id, status);
    CREATE TABLE majority_notices (
        profile_id TEXT PRIMARY KEY REFERENCES persons(id),
        sent_at    TEXT NOT NULL
    );
    """,
    # Messaging with health professionals, their directory, blocks and the access history.
    """
    CREATE TABLE professionals (
        rpps       TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        profession TEXT NOT NULL,
        specialty  TEXT,
        city       TEXT,
        kind       TEXT NOT NULL
    );
    CREATE TABLE conversations (
        id         TEXT PRIMARY KEY,
        profile_id TEXT NOT NULL REFERENCES persons(id),
        rpps       TEXT NOT NULL REFERENCES professionals(rpps),
        subject    TEXT NOT NULL,
        started_by TEXT NOT NULL,
        started_at TEXT NOT NULL,
        closed_at  TEXT
    );
    CREATE INDEX conversations_by_profile ON conversations(profile_id, started_at);
    CREATE TABLE messages (
        id              TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        sender          TEXT NOT NULL,
        body            TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        read_at         TEXT
    );
    CREATE INDEX messages_by_conversation ON messages(conversation_id, created_at);
    CREATE TABLE attachments (
        id         TEXT PRIMARY KEY,
        profile_id TEXT NOT NULL REFERENCES persons(id),
        message_id TEXT REFERENCES messages(id) ON DELETE CASCADE,
        filename   TEXT NOT NULL,
        media_type TEXT NOT NULL,
        size       INTEGER NOT NULL,
        sha256     TEXT NOT NULL REFERENCES blobs(sha256),
        created_at TEXT NOT NULL
    );
    CREATE INDEX attachments_by_message ON attachments(message_id);
    CREATE TABLE blocked_professionals (
        profile_id TEXT NOT NULL REFERENCES persons(id),
        rpps       TEXT NOT NULL REFERENCES professionals(rpps),
        since      TEXT NOT NULL,
        PRIMARY KEY (profile_id, rpps)
    );
    CREATE TABLE access_history (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        profile_id  TEXT NOT NULL REFERENCES persons(id),
        rpps        TEXT NOT NULL,
        action      TEXT NOT NULL,
        document_id TEXT,
        detail      TEXT,
        at          TEXT NOT NULL
    );
    CREATE INDEX access_history_by_profile ON access_history(profile_id, at);
    """,
    # Insertion order for rows listed by time: created_at has one-second precision, and rowid is
    # SQLite's alone. New rows take MAX(seq) + 1 inside their write transaction (one at a time);
    # rows of an existing SQLite database keep their rowid order. (A statement marked
    # "sqlite only" is left out on PostgreSQL, whose databases start at this version or later.)
    """
    ALTER TABLE messages ADD COLUMN seq INTEGER;
    ALTER TABLE attachments ADD COLUMN seq INTEGER;
    ALTER TABLE profile_entries ADD COLUMN seq INTEGER;
    /* sqlite only */ UPDATE messages SET seq = rowid;
    /* sqlite only */ UPDATE attachments SET seq = rowid;
    /* sqlite only */ UPDATE profile_entries SET seq = rowid
    """,
    # Documents' bytes inside the database, where no worker keeps files of its own (the default on
    # PostgreSQL; store/blobs.py): parts of 1 MiB, so that neither side holds a whole document.
    """
    CREATE TABLE blob_parts (
        sha256 TEXT NOT NULL REFERENCES blobs(sha256),
        part   INTEGER NOT NULL,
        data   BLOB NOT NULL,
        PRIMARY KEY (sha256, part)
    )
    """,
    # Documents of the health system (HL7 CDA R2, server/services/health_documents.py): what their
    # header says, and their versions: a new version of a set takes the place of the previous one in
    # listings (superseded_by names it), which the history keeps.
    """
    ALTER TABLE documents ADD COLUMN format TEXT;
    ALTER TABLE documents ADD COLUMN type_code TEXT;
    ALTER TABLE documents ADD COLUMN type_label TEXT;
    ALTER TABLE documents ADD COLUMN confidentiality TEXT;
    ALTER TABLE documents ADD COLUMN source_id TEXT;
    ALTER TABLE documents ADD COLUMN set_id TEXT;
    ALTER TABLE documents ADD COLUMN version INTEGER;
    ALTER TABLE documents ADD COLUMN superseded_by TEXT;
    ALTER TABLE documents ADD COLUMN header TEXT;
    CREATE INDEX documents_by_set ON documents(profile_id, set_id)
    """,
    # Doses recorded by a professional: read from a document's immunization entries, linked to it
    # (a new version of the document replaces them, its deletion removes them), not removable by the
    # person; the product as the document gives it when the catalogue does not know it.
    """
    ALTER TABLE vaccinations ADD COLUMN recorded_by TEXT NOT NULL DEFAULT 'person';
    ALTER TABLE vaccinations ADD COLUMN document_id TEXT;
    ALTER TABLE vaccinations ADD COLUMN dose_rank INTEGER;
    ALTER TABLE vaccinations ADD COLUMN product_code TEXT;
    ALTER TABLE vaccinations ADD COLUMN product_name TEXT;
    CREATE INDEX vaccinations_by_document ON vaccinations(document_id)
    """,
    # The documents space as the official app keeps it (services/documents.py, document_folders.py):
    # folders (names unique without regard to case: name_key), pinned documents, documents invisible
    # to legal representatives, and each profile's default for new documents.
    """
    CREATE TABLE document_folders (
        id         TEXT PRIMARY KEY,
        profile_id TEXT NOT NULL REFERENCES persons(id),
        name       TEXT NOT NULL,
        name_key   TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (profile_id, name_key)
    );
    CREATE TABLE document_settings (
        profile_id                  TEXT PRIMARY KEY REFERENCES persons(id),
        hide_new_from_professionals INTEGER NOT NULL DEFAULT 0
    );
    ALTER TABLE documents ADD COLUMN folder_id TEXT;
    ALTER TABLE documents ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE documents ADD COLUMN hidden_from_representatives INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX documents_by_folder ON documents(profile_id, folder_id)
    """,
    # Events of a development server and the webhooks they go to (services/events.py, webhooks.py):
    # each webhook's cursor is the last event handed to its deliveries, which go one at a time.
    """
    CREATE TABLE events (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        type    TEXT NOT NULL,
        at      TEXT NOT NULL,
        subject TEXT NOT NULL,
        data    TEXT NOT NULL
    );
    CREATE INDEX events_by_type ON events(type, id);
    CREATE TABLE webhooks (
        id         TEXT PRIMARY KEY,
        url        TEXT NOT NULL,
        types      TEXT NOT NULL,
        secret     TEXT NOT NULL,
        created_at TEXT NOT NULL,
        cursor     INTEGER NOT NULL
    );
    CREATE TABLE webhook_deliveries (
        webhook_id      TEXT NOT NULL REFERENCES webhooks(id),
        event_id        INTEGER NOT NULL REFERENCES events(id),
        status          TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_status     INTEGER,
        last_error      TEXT,
        delivered_at    TEXT,
        PRIMARY KEY (webhook_id, event_id)
    );
    CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(status, webhook_id, event_id)
    """,
    # 13: listing pinned documents first, then newest first, straight from an index (no sort of all of a
    # profile's rows: at 100,000 documents the sort took longer than the rest of `mes docs list`)
    """
    CREATE INDEX documents_by_pin ON documents(profile_id, pinned, seq)
    """,
]
