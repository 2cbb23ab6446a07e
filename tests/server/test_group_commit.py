"""Group commit (store/group_commit.py): uploads that arrive together share one transaction, and each
still gets its own answer — a bad one fails alone, a retry with the same key stores one document,
a failed commit stores nothing of its batch; a file is never replaced, and put back if it went.

The batches are made deterministic: the first upload is held inside its transaction (in
``announce``) until the others have queued, one after the other, behind it; they are then
committed together, in that order, as the next batch.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from types import SimpleNamespace

import pytest

from mes_cli.server.services import documents
from mes_cli.server.store.blobs import FileBlobs
from mes_cli.server.store import group_commit
from mes_cli.server.store.group_commit import GroupCommitter
from support import files
from support.api import expect_error

DOCUMENTS = "/v1/profiles/me/documents"


@pytest.fixture
def backend() -> str:
    """SQLite only: on PostgreSQL each upload commits on its own (see the last test)."""
    return "sqlite"


def _upload(api, p: dict, data: bytes, key: str, filename: str = "scan.pdf"):
    return api.request("POST", DOCUMENTS, token=p["token"], content=data, params={"filename": filename},
                       headers={"Content-Type": "application/octet-stream", "Idempotency-Key": key,
                                "X-Content-SHA256": hashlib.sha256(data).hexdigest()})


def _wait_until(condition, what: str) -> None:
    """Synchronisation only (the threads reach a point), never a measure of speed."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.001)


def together(api, monkeypatch, leader, followers) -> tuple[list, list[int]]:
    """Runs ``leader`` and holds it inside its transaction until every follower is queued, in order;
    returns the responses (leader first) and the size of each batch committed."""
    held, release = threading.Event(), threading.Event()
    announce, commit = documents.announce, GroupCommitter._commit
    sizes: list[int] = []

    def holding_announce(*args, **kwargs):
        if not held.is_set():
            held.set()
            release.wait(60)
        return announce(*args, **kwargs)

    def counting_commit(self, batch):
        sizes.append(len(batch))
        return commit(self, batch)

    monkeypatch.setattr(documents, "announce", holding_announce)
    monkeypatch.setattr(GroupCommitter, "_commit", counting_commit)
    results: list = [None] * (1 + len(followers))

    def call(index: int, request) -> None:
        results[index] = request()

    threads = [threading.Thread(target=call, args=(0, leader))]
    threads[0].start()
    assert held.wait(60), "the first upload never reached its transaction"
    committer = api.ctx.store.group_committer
    for index, request in enumerate(followers, start=1):
        threads.append(threading.Thread(target=call, args=(index, request)))
        threads[-1].start()
        _wait_until(lambda: len(committer._queue) == index, f"upload {index} queued")
    release.set()
    for thread in threads:
        thread.join(60)
    return results, sizes


def _rows(api) -> list:
    return api.ctx.store.all("SELECT id, sha256, idempotency_key FROM documents")


def _added_events(api) -> set[str]:
    return {row[0] for row in api.ctx.store.all(
        "SELECT json_extract(data, '$.document_id') FROM events WHERE type = 'document.added'")}


def test_uploads_that_arrive_together_are_committed_in_one_transaction(api, monkeypatch):
    p = api.active_person()
    contents = [files.pdf(f"scan {i}", pad_to=20_000) for i in range(5)]
    calls = [lambda data=data, i=i: _upload(api, p, data, f"k-{i}") for i, data in enumerate(contents)]
    results, sizes = together(api, monkeypatch, calls[0], calls[1:])
    assert sizes == [1, 4], "the four that queued behind the first are one batch"
    ids = [api.ok(r, 201)["document"]["id"] for r in results]
    assert len(set(ids)) == 5 and _added_events(api) == set(ids), "one event per document, in the transaction"
    for document_id, data in zip(ids, contents):
        body = api.get(f"{DOCUMENTS}/{document_id}/content", token=p["token"]).content
        assert body == data
    assert not list(api.ctx.blobs.tmp.iterdir()), "no temp file left"


def test_each_upload_of_a_batch_gets_its_own_outcome(api, monkeypatch):
    """A retry with the same key stores nothing more, a key reused for other bytes is refused, a document
    whose write fails is undone alone (with its event): the others of the batch are stored."""
    p = api.active_person()
    first, scan, other, doomed, last = (files.pdf(name, pad_to=5_000) for name in
                                        ("first", "scan", "other", "doomed", "last"))
    insert = documents.insert

    def failing_insert(conn, profile_id, fields, meta, *args, **kwargs):
        if fields["title"] == "doomed":
            raise RuntimeError("this one row cannot be written")
        return insert(conn, profile_id, fields, meta, *args, **kwargs)

    monkeypatch.setattr(documents, "insert", failing_insert)
    results, sizes = together(api, monkeypatch, lambda: _upload(api, p, first, "k-first"), [
        lambda: _upload(api, p, scan, "k-scan"),
        lambda: _upload(api, p, scan, "k-scan"),  # the client's retry of the same upload
        lambda: _upload(api, p, other, "k-scan"),  # the same key for other bytes
        lambda: _upload(api, p, doomed, "k-doomed", filename="doomed.pdf"),
        lambda: _upload(api, p, last, "k-last"),
    ])
    assert sizes == [1, 5]
    stored = api.ok(results[1], 201)["document"]
    replayed = api.ok(results[2], 200)
    assert replayed["created"] is False and replayed["document"]["id"] == stored["id"]
    expect_error(results[3], "IDEMPOTENCY_KEY_REUSED")
    expect_error(results[4], "INTERNAL_ERROR")
    api.ok(results[5], 201)
    rows = _rows(api)
    assert sorted(row["idempotency_key"] for row in rows) == ["k-first", "k-last", "k-scan"]
    assert _added_events(api) == {row["id"] for row in rows}, "no event for the document undone"


def test_a_failed_commit_fails_its_whole_batch_and_stores_nothing_of_it(api, monkeypatch):
    p = api.active_person()
    contents = [files.pdf(f"lost {i}") for i in range(3)]
    stall = GroupCommitter._stall_here  # called in the transaction, after the batch's writes

    def disk_error(self, size):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(GroupCommitter, "_stall_here", disk_error)
    calls = [lambda data=data, i=i: _upload(api, p, data, f"k-lost-{i}") for i, data in enumerate(contents)]
    results, sizes = together(api, monkeypatch, calls[0], calls[1:])
    assert sizes == [1, 2]
    for result in results:
        expect_error(result, "INTERNAL_ERROR")
    assert _rows(api) == [] and not _added_events(api)
    assert api.ctx.store.one("SELECT count(*) FROM blobs")[0] == 0
    assert not list(api.ctx.blobs.tmp.iterdir()), "no temp file left"
    monkeypatch.setattr(GroupCommitter, "_stall_here", stall)
    for i, data in enumerate(contents):  # the same uploads again, once the disk is back
        api.ok(_upload(api, p, data, f"k-lost-{i}"), 201)
    assert len(_rows(api)) == 3
    assert documents.collect_garbage(api.ctx, older_than_seconds=-1) == 0, "the files put in place are used"


def test_a_file_removed_between_its_placing_and_the_commit_is_put_back(api, monkeypatch):
    """A deletion of the last document with the same bytes (or gc) may remove the file an upload has
    just put in place: the commit, under the write lock, puts it back before the row is written."""
    p = api.active_person()
    data = files.pdf("remis")
    place = FileBlobs.place

    def place_then_lose(self, staged):
        place(self, staged)
        self.path(staged.sha256).unlink()

    monkeypatch.setattr(FileBlobs, "place", place_then_lose)
    document = api.ok(_upload(api, p, data, "k-back"), 201)["document"]
    assert api.get(f"{DOCUMENTS}/{document['id']}/content", token=p["token"]).content == data


def test_a_content_already_stored_is_never_replaced(api):
    """Its file is on disk: a new copy is not put in its place (whatever the new copy's state, the
    file the earlier document names stays the one that was made durable)."""
    p = api.active_person()
    data = files.pdf("partagé")
    api.ok(_upload(api, p, data, "k-1"), 201)
    path = api.ctx.blobs.path(hashlib.sha256(data).hexdigest())
    before = os.stat(path).st_ino
    api.ok(_upload(api, p, data, "k-2", filename="copie.pdf"), 201)
    assert os.stat(path).st_ino == before
    path.unlink()  # lost: the next upload of the same bytes puts them back
    api.ok(_upload(api, p, data, "k-3", filename="encore.pdf"), 201)
    assert path.read_bytes() == data


def test_a_savepoint_undoes_its_writes_and_its_after_commit_actions(api):
    store, ran = api.ctx.store, []
    with store.transaction() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('kept', '1')")
        store.after_commit(lambda: ran.append("kept"))
        with pytest.raises(RuntimeError):
            with store.savepoint():
                conn.execute("INSERT INTO meta(key, value) VALUES ('undone', '1')")
                store.after_commit(lambda: ran.append("undone"))
                raise RuntimeError
    assert store.get_meta("kept") == "1" and store.get_meta("undone") is None
    assert ran == ["kept"]


def test_uploads_commit_one_by_one_on_postgresql_and_inside_a_transaction(api):
    assert group_commit.for_context(SimpleNamespace(store=SimpleNamespace(backend="postgresql"))) is None
    assert group_commit.for_context(api.ctx) is api.ctx.store.group_committer is not None
    with api.ctx.store.transaction():
        assert group_commit.for_context(api.ctx) is None, "the batch would wait for the caller's own lock"
