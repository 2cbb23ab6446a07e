"""Documents' bytes in the database or in the data directory: the same answers, each in its place.

Every test runs on both stores and both places (Settings.blob_storage). What is checked is
where the bytes are (rows of ``blob_parts`` or files under ``blobs/``), that identical
contents are kept once and erased with the last document naming them, and that an upload
whose transaction fails leaves no bytes behind in the database.
"""

from __future__ import annotations

import hashlib

import pytest

from mes_cli.server.services import documents
from mes_cli.server.settings import Settings
from mes_cli.server.store.blobs import PART
from support import files
from support.api import expect_error

DOCUMENTS = "/v1/profiles/me/documents"


@pytest.fixture(params=["database", "directory"])
def blobs(request) -> str:
    return request.param


@pytest.fixture
def api(make_api, blobs):
    return make_api(blob_storage=blobs)


def _upload(api, p: dict, data: bytes, key: str) -> dict:
    response = api.request("POST", DOCUMENTS, token=p["token"], content=data,
                           params={"filename": "compte-rendu.pdf", "category": "CPT_REND"},
                           headers={"Content-Type": "application/octet-stream", "Idempotency-Key": key})
    return api.ok(response, 201)["document"]


def _parts(api) -> int:
    return api.ctx.store.one("SELECT count(*) FROM blob_parts")[0]


def _files(api) -> list:
    return [path for path in (api.settings.data_dir / "blobs").glob("??/*")]


def _where(api, blobs: str, present: int) -> None:
    """``present`` contents, all in the place the settings name and none in the other."""
    if blobs == "database":
        assert not _files(api)
        assert api.ctx.store.one("SELECT count(DISTINCT sha256) FROM blob_parts")[0] == present
    else:
        assert _parts(api) == 0
        assert len(_files(api)) == present


def test_the_bytes_come_back_whole_from_where_they_are_kept(api, blobs):
    p = api.active_person()
    data = files.pdf("grand compte rendu", pad_to=2 * PART + 12_345)  # three parts in the database
    document = _upload(api, p, data, "k-big-0001")
    answer = api.get(f"{DOCUMENTS}/{document['id']}/content", token=p["token"])
    assert answer.status_code == 200 and answer.content == data
    assert answer.headers["X-Content-SHA256"] == hashlib.sha256(data).hexdigest()
    assert int(answer.headers["Content-Length"]) == len(data)
    _where(api, blobs, 1)
    if blobs == "database":
        assert _parts(api) == 3


def test_identical_contents_are_kept_once_and_erased_with_the_last_document(api, blobs):
    p, other = api.active_person(), api.active_person()
    data = files.pdf("même contenu", pad_to=PART + 1)
    first = _upload(api, p, data, "k-same-0001")
    second = _upload(api, other, data, "k-same-0002")
    _where(api, blobs, 1)
    if blobs == "database":
        assert _parts(api) == 2

    api.ok(api.delete(f"{DOCUMENTS}/{first['id']}", token=p["token"]))
    _where(api, blobs, 1)  # the other person's document still names them
    assert api.get(f"{DOCUMENTS}/{second['id']}/content", token=other["token"]).content == data

    api.ok(api.delete(f"{DOCUMENTS}/{second['id']}", token=other["token"]))
    _where(api, blobs, 0)
    assert api.ctx.store.one("SELECT count(*) FROM blobs")[0] == 0


def test_an_upload_whose_transaction_fails_leaves_no_bytes_in_the_database(api, blobs, monkeypatch):
    p = api.active_person()

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(documents, "insert", fail)
    answer = api.request("POST", DOCUMENTS, token=p["token"], content=files.pdf("perdu"),
                         params={"filename": "perdu.pdf"}, headers={"Content-Type": "application/octet-stream"})
    expect_error(answer, "INTERNAL_ERROR")
    assert api.ctx.store.one("SELECT count(*) FROM blobs")[0] == 0
    assert _parts(api) == 0
    assert not list(api.ctx.blobs.tmp.iterdir()), "the temp file must go"
    if blobs == "directory":  # renamed before the rollback: an orphan file, which gc removes
        assert len(_files(api)) == 1
        assert documents.collect_garbage(api.ctx, older_than_seconds=-1) == 1
        assert not _files(api)


def test_gc_erases_the_bytes_of_a_deletion_cut_between_its_two_steps(api, blobs):
    """The document's row went, the process died before its bytes did: gc erases them (the person
    deleted that document), and keeps the bytes still named."""
    p = api.active_person()
    gone = _upload(api, p, files.pdf("supprimé", pad_to=PART + 1), "k-cut-0001")
    kept = _upload(api, p, files.pdf("gardé"), "k-kept-0001")
    api.ctx.store.run("DELETE FROM documents WHERE id = ?", (gone["id"],))
    assert documents.collect_garbage(api.ctx) == 1
    assert [row[0] for row in api.ctx.store.all("SELECT sha256 FROM blobs")] == [kept["sha256"]]
    _where(api, blobs, 1)
    assert api.get(f"{DOCUMENTS}/{kept['id']}/content", token=p["token"]).content == files.pdf("gardé")


def test_missing_bytes_are_said_plainly(api, blobs):
    p = api.active_person()
    document = _upload(api, p, files.pdf("disparu"), "k-gone-0001")
    if blobs == "database":
        api.ctx.store.run("DELETE FROM blob_parts")
    else:
        for path in _files(api):
            path.unlink()
    error = expect_error(api.get(f"{DOCUMENTS}/{document['id']}/content", token=p["token"]), "STORAGE_UNAVAILABLE")
    assert "backup" in error["message"]


def test_where_the_bytes_go_by_default(tmp_path):
    """In the database on PostgreSQL (the workers then share nothing else), in files on SQLite."""
    assert Settings(data_dir=tmp_path, database_url="postgresql://mes@db/mes").blobs_in_database
    assert not Settings(data_dir=tmp_path).blobs_in_database
    assert not Settings(data_dir=tmp_path, database_url="sqlite:///x.db").blobs_in_database
    assert Settings(data_dir=tmp_path, blob_storage="database").blobs_in_database
    assert not Settings(data_dir=tmp_path, database_url="postgresql://mes@db/mes",
                        blob_storage="directory").blobs_in_database
