"""Two `mes server run` processes on one PostgreSQL behave as one server.

They share nothing but the database (documents' bytes included) and the server key given by
MES_SERVER_KEY: each has a data directory of its own, as on two hosts. Each request goes to
either. What a person starts on one worker finishes on the other, limits count the attempts
made on both, a retried upload is not stored twice and is read from either, and the periodic
jobs send each e-mail once however many workers run them.
"""

from __future__ import annotations

import base64
import secrets
import threading

import httpx
import pytest

from support.cli import Mes
from support.files import pdf
from support.flows import activate, last_message, seed
from support.server import ADMIN_TOKEN, start_server

ADMIN = {"X-Admin-Token": ADMIN_TOKEN}


@pytest.fixture(scope="module")
def workers(postgres, tmp_path_factory):
    database = postgres.new_database()
    key = {"MES_SERVER_KEY": base64.b64encode(secrets.token_bytes(32)).decode()}
    first = start_server(tmp_path_factory.mktemp("host-1"), extra=["--database", database], env=key)
    second = start_server(tmp_path_factory.mktemp("host-2"), extra=["--database", database], env=key)
    yield first, second
    assert first.stop() == 0 and second.stop() == 0
    postgres.drop_database(database)


@pytest.fixture
def person(workers, tmp_path):
    first, _second = workers
    mes = Mes(home=tmp_path / "home", api_url=first.url, admin_token=ADMIN_TOKEN)
    p = seed(mes)
    activate(mes, p)
    p["mes"] = mes
    return p


def _login_on(first, second, p) -> str:
    started = httpx.post(f"{first.url}/v1/logins", json={"identifier": p["identifier"], "password": p["password"]})
    assert started.status_code == 201, started.text
    code = last_message(p["mes"], p["email"])["code"]
    done = httpx.post(f"{second.url}/v1/logins/verify", json={"login_id": started.json()["login_id"], "code": code})
    assert done.status_code == 201, done.text
    return done.json()["token"]


def test_both_workers_use_the_same_database(workers):
    first, second = workers
    assert all("database: postgresql://" in "".join(server.log) for server in workers)
    assert all("documents' bytes: in the database" in "".join(server.log) for server in workers)
    assert httpx.get(f"{first.url}/health").status_code == httpx.get(f"{second.url}/health").status_code == 200


def test_a_login_begun_on_one_worker_completes_on_the_other(workers, person):
    first, second = workers
    token = _login_on(first, second, person)
    for server in workers:
        me = httpx.get(f"{server.url}/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["account"]["identifier"] == person["identifier"]


def test_failed_logins_count_on_every_worker(workers, person):
    """Alternating workers, the limit comes after five failures in all (the first delay is one second,
    so a slow machine may let one more attempt through): a limit counted per worker would need
    five failures on one of them, the 11th attempt at the soonest."""
    first, second = workers
    wrong = {"identifier": person["identifier"], "password": "Not-the-password-1!"}
    answers = []
    for attempt in range(10):
        answer = httpx.post(f"{(first, second)[attempt % 2].url}/v1/logins", json=wrong)
        answers.append(answer.status_code)
        if answer.status_code == 429:
            assert answer.json()["error"]["code"] == "TOO_MANY_ATTEMPTS"
            break
    assert answers[:5] == [401] * 5 and answers[-1] == 429 and len(answers) in (6, 7), answers


def test_an_upload_retried_on_the_other_worker_is_stored_once(workers, person):
    first, second = workers
    token = _login_on(first, second, person)
    body = pdf("retried upload")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream",
               "Idempotency-Key": "retry-0123456789abcdef"}
    params = {"filename": "cr.pdf", "category": "AUTR_DOC"}
    created = httpx.post(f"{first.url}/v1/profiles/me/documents", params=params, content=body, headers=headers)
    replayed = httpx.post(f"{second.url}/v1/profiles/me/documents", params=params, content=body, headers=headers)
    assert created.status_code == 201 and replayed.status_code == 200, (created.text, replayed.text)
    document_id = created.json()["document"]["id"]
    assert replayed.json()["document"]["id"] == document_id and replayed.json()["created"] is False
    listed = httpx.get(f"{second.url}/v1/profiles/me/documents", headers={"Authorization": f"Bearer {token}"})
    assert [d["id"] for d in listed.json()["documents"]] == [document_id]
    content = httpx.get(f"{second.url}/v1/profiles/me/documents/{document_id}/content",
                        headers={"Authorization": f"Bearer {token}"})
    assert content.content == body
    assert not [path for server in workers for path in (server.data_dir / "blobs").glob("??/*")]


def test_the_periodic_jobs_send_each_reminder_once_across_workers(workers, tmp_path):
    """Persons over 65 are due boosters; both workers run the jobs at the same moment, twice."""
    first, second = workers
    mes = Mes(home=tmp_path / "home", api_url=first.url, admin_token=ADMIN_TOKEN)
    elders = [seed(mes, birth_date="1950-01-12") for _ in range(3)]
    for p in elders:
        activate(mes, p)

    def run_jobs(server, results):
        results.append(httpx.post(f"{server.url}/v1/admin/jobs", headers=ADMIN, timeout=60).json())

    results: list = []
    threads = [threading.Thread(target=run_jobs, args=(server, results)) for server in (first, second, first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outbox = httpx.get(f"{second.url}/v1/dev/outbox", params={"limit": 10000}, headers=ADMIN).json()["messages"]
    reminders = [(m["recipient"], m["subject"], m["body"]) for m in outbox
                 if m["kind"] == "vaccination_reminder" and m["recipient"] in {p["email"] for p in elders}]
    assert reminders, "the elders should have been reminded"
    assert len(reminders) == len(set(reminders)), "a reminder was sent twice"
    assert {recipient for recipient, _s, _b in reminders} == {p["email"] for p in elders}
