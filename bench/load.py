"""Load: parallel raw clients and `mes` CLI processes on one `mes server run`, for a bounded time.

Run:  python bench/load.py [--seconds 20] [--clients 4] [--cli 2] [--size 4000] [--json FILE]

One `mes server run --port 0 --dev` subprocess on a fresh data directory. Before the clock
starts, --clients + --cli persons are seeded (POST /v1/admin/persons) and activated over
HTTP (enrolment with the letter's code, then activation). Then, for --seconds:

  raw      --clients threads, one person and one httpx.Client each, loop:
           login (POST /v1/logins, the e-mailed code from the dev outbox, POST /v1/logins/verify),
           upload a small unique PDF (Idempotency-Key + X-Content-SHA256; a network error is
           retried once with the same key), list (GET .../documents?limit=50).
  cli      --cli threads, one person each, logged in once with `mes login` in their own
           MES_HOME; each loops `mes docs upload FILE` (one new small PDF per process).

Every request is bounded (timeout 30 s) and no new one starts after the deadline.
Reported: the status codes per endpoint (any that is not 2xx nor 429 RATE_LIMITED counts as
an error), requests/s and p50/p90/p99 latency per endpoint, the CLI exit codes and process
times; then every person's documents are listed to the end and checked: each uploaded
SHA-256 appears exactly once, and nothing else is there (no lost nor duplicated document).
A benchmark reports, it does not assert: the exit status is 0 unless the set-up fails.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from support.people import person  # noqa: E402  (valid, unique identities)

MES = str(Path(sys.executable).parent / "mes")
PASSWORD = "Bench-Load-9!x"
TIMEOUT = 30.0


def say(*parts) -> None:
    print(*parts, flush=True)


def make_pdf(label: str, size: int) -> bytes:
    body = b"%PDF-1.4\n1 0 obj << >> endobj\n% " + label.encode() + b"\n"
    body += b"%" + b"x" * max(0, size - len(body) - 14) + b"\n"
    return body + b"%%EOF\n"


def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.999999) - 1))]


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.status: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.latency: dict[str, list[float]] = collections.defaultdict(list)
        self.errors: list[str] = []

    def record(self, endpoint: str, status: int | str, seconds: float, detail: str = "") -> None:
        with self.lock:
            self.status[endpoint][status] += 1
            self.latency[endpoint].append(seconds)
            if not (isinstance(status, int) and (200 <= status < 300 or status == 429)):
                if len(self.errors) < 20:
                    self.errors.append(f"{endpoint} {status} {detail[:200]}")


class Server:
    def __init__(self, data_dir: Path, threads: int) -> None:
        self.token = secrets.token_urlsafe(16)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MES_")}
        self.proc = subprocess.Popen([MES, "server", "run", "--port", "0", "--dev", "--data-dir", str(data_dir),
                                      "--admin-token", self.token, "--threads", str(threads)],
                                     env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        seen, line = [], ""
        deadline = time.monotonic() + 30
        for line in self.proc.stderr:
            seen.append(line)
            if "listening on " in line or len(seen) > 20 or time.monotonic() > deadline:
                break
        if "listening on " not in line:
            self.stop()
            sys.exit(f"the server did not start: {''.join(seen)}")
        self.url = line.split("listening on ", 1)[1].split()[0]
        self.log: list[str] = []
        threading.Thread(target=lambda: self.log.extend(self.proc.stderr), daemon=True).start()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def ok(response: httpx.Response, status: int | None = None):
    if not response.is_success or (status is not None and response.status_code != status):
        sys.exit(f"set-up failed: {response.request.method} {response.request.url.path} "
                 f"{response.status_code} {response.text[:300]}")
    return response.json() if response.content else None


def last_code(client: httpx.Client, to: str, kind: str) -> str:
    messages = ok(client.get("/v1/dev/outbox", params={"to": to, "limit": 20}))["messages"]
    for message in reversed(messages):
        if message["kind"] == kind:
            return message["code"]
    raise RuntimeError(f"no {kind} for {to}")


def set_up_people(client: httpx.Client, token: str, count: int) -> list[dict]:
    people = [person() for _ in range(count)]
    seeded = ok(client.post("/v1/admin/persons", json={"persons": people}, headers={"X-Admin-Token": token}), 201)
    for i, (p, row) in enumerate(zip(people, seeded["persons"])):
        p["id"] = row["id"]
        p["code"] = last_code(client, p["nir"], "information_letter")
        identity = {"nir": p["nir"], "card_serial": p["card_serial"], "birth_date": p["birth_date"]}
        enrolment = ok(client.post("/v1/enrolments", json={**identity, "code": p["code"]}), 201)
        p["identifier"] = f"load.{p['nir'][-6:]}.{i:03d}"
        ok(client.post("/v1/enrolments/activate", json={
            "enrolment_id": enrolment["enrolment_id"], "identifier": p["identifier"], "password": PASSWORD,
            "accept_terms": True}), 200)
    return people


# --- the raw clients -------------------------------------------------------------------


def timed(stats: Stats, endpoint: str, send) -> httpx.Response | None:
    start = time.perf_counter()
    try:
        response = send()
    except httpx.HTTPError as exc:
        stats.record(endpoint, type(exc).__name__, time.perf_counter() - start, str(exc))
        return None
    stats.record(endpoint, response.status_code, time.perf_counter() - start, response.text)
    return response


def raw_worker(url: str, p: dict, deadline: float, stats: Stats, size: int, uploaded: list[str]) -> None:
    with httpx.Client(base_url=url, timeout=TIMEOUT) as client:
        token = None
        n = 0
        while time.monotonic() < deadline:
            started = timed(stats, "POST /v1/logins", lambda: client.post(
                "/v1/logins", json={"identifier": p["identifier"], "password": PASSWORD, "channel": "email"}))
            if started is not None and started.status_code == 201:
                code = last_code(client, p["email"], "login_code")
                login_id = started.json()["login_id"]
                verified = timed(stats, "POST /v1/logins/verify", lambda: client.post(
                    "/v1/logins/verify", json={"login_id": login_id, "code": code}))
                if verified is not None and verified.status_code == 201:
                    token = verified.json()["token"]
            elif started is not None and started.status_code == 429:
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
            if token is None or time.monotonic() >= deadline:
                continue
            headers = {"Authorization": f"Bearer {token}"}
            n += 1
            blob = make_pdf(f"raw {p['id']} {n} {secrets.token_hex(4)}", size)
            digest = hashlib.sha256(blob).hexdigest()
            key = str(uuid.uuid4())
            path = f"/v1/profiles/{p['id']}/documents"
            upload_headers = {**headers, "Idempotency-Key": key, "X-Content-SHA256": digest,
                              "Content-Type": "application/pdf"}
            for _attempt in range(2):  # a network error: once more with the same key
                answer = timed(stats, "POST documents", lambda: client.post(
                    path, content=blob, params={"title": f"raw {n}", "filename": f"raw{n}.pdf"},
                    headers=upload_headers))
                if answer is not None:
                    break
            if answer is not None and answer.status_code in (200, 201):
                uploaded.append(digest)
            timed(stats, "GET documents", lambda: client.get(path, params={"limit": 50}, headers=headers))


# --- the CLI processes -------------------------------------------------------------------


def cli_env(url: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MES_")}
    env.update(MES_HOME=str(home), MES_API_URL=url, MES_FORMAT="json")
    return env


def cli_login(url: str, client: httpx.Client, p: dict, home: Path) -> None:
    env = cli_env(url, home)
    first = subprocess.run([MES, "login", "--identifier", p["identifier"], "--password-stdin", "--channel", "email"],
                           input=PASSWORD + "\n", env=env, capture_output=True, text=True, timeout=60)
    if first.returncode != 0:
        sys.exit(f"mes login failed: {first.stderr}")
    code = last_code(client, p["email"], "login_code")
    second = subprocess.run([MES, "login", "--code", code], env=env, capture_output=True, text=True, timeout=60)
    if second.returncode != 0:
        sys.exit(f"mes login --code failed: {second.stderr}")


def cli_worker(url: str, p: dict, home: Path, deadline: float, stats: Stats, size: int,
               uploaded: list[str], exits: collections.Counter) -> None:
    env = cli_env(url, home)
    folder = home / "files"
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    while time.monotonic() < deadline:
        n += 1
        blob = make_pdf(f"cli {p['id']} {n} {secrets.token_hex(4)}", size)
        path = folder / f"cli{n:05d}.pdf"
        path.write_bytes(blob)
        start = time.perf_counter()
        try:
            done = subprocess.run([MES, "docs", "upload", str(path)], env=env, capture_output=True, text=True,
                                  timeout=TIMEOUT + 30)
            code, detail = done.returncode, done.stderr
        except subprocess.TimeoutExpired:
            code, detail = "timeout", ""
        elapsed = time.perf_counter() - start
        with stats.lock:
            exits[code] += 1
        stats.record("mes docs upload (process)", 201 if code == 0 else (429 if code == 9 else f"exit {code}"),
                     elapsed, detail)
        if code == 0:
            uploaded.append(hashlib.sha256(blob).hexdigest())


# --- checking -------------------------------------------------------------------------------


def all_documents(client: httpx.Client, p: dict) -> list[dict]:
    started, response = None, None
    for _ in range(3):
        response = client.post("/v1/logins", json={"identifier": p["identifier"], "password": PASSWORD,
                                                    "channel": "email"})
        if response.status_code == 201:
            started = response.json()
            break
        time.sleep(1)
    if started is None:
        raise RuntimeError(f"cannot log in as {p['identifier']} to check: {response.text if response else ''}")
    code = last_code(client, p["email"], "login_code")
    token = ok(client.post("/v1/logins/verify", json={"login_id": started["login_id"], "code": code}))["token"]
    documents, cursor = [], None
    for _ in range(1000):
        params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
        page = ok(client.get(f"/v1/profiles/{p['id']}/documents", params=params,
                             headers={"Authorization": f"Bearer {token}"}))
        documents += page["documents"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    return documents


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="duration of the load (default 20, at most 600)")
    parser.add_argument("--clients", type=int, default=4, help="raw httpx client threads (default 4)")
    parser.add_argument("--cli", type=int, default=2, help="parallel `mes docs upload` loops (default 2)")
    parser.add_argument("--size", type=int, default=4000, help="bytes per PDF (default 4000)")
    parser.add_argument("--threads", type=int, default=8, help="the server's --threads (default 8)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if not (0 < args.seconds <= 600) or args.clients < 0 or args.cli < 0 or args.clients + args.cli < 1:
        parser.error("--seconds in (0, 600], --clients and --cli ≥ 0, at least one worker")
    if not Path(MES).exists():
        sys.exit(f"no `mes` next to {sys.executable}")

    root = Path(tempfile.mkdtemp(prefix="mes-bench-load-"))
    server = Server(root / "data", args.threads)
    try:
        with httpx.Client(base_url=server.url, timeout=TIMEOUT) as admin:
            t0 = time.perf_counter()
            people = set_up_people(admin, server.token, args.clients + args.cli)
            raw_people, cli_people = people[:args.clients], people[args.clients:]
            for i, p in enumerate(cli_people):
                cli_login(server.url, admin, p, root / f"home{i}")
            say(f"set-up: {len(people)} persons seeded and activated, {len(cli_people)} CLI homes logged in "
                f"in {time.perf_counter() - t0:.1f} s; server {server.url}, --threads {args.threads}")

            stats = Stats()
            uploaded: dict[str, list[str]] = {p["id"]: [] for p in people}
            exits: collections.Counter = collections.Counter()
            deadline = time.monotonic() + args.seconds
            workers = [threading.Thread(target=raw_worker, args=(server.url, p, deadline, stats, args.size,
                                                                 uploaded[p["id"]])) for p in raw_people]
            workers += [threading.Thread(target=cli_worker, args=(server.url, p, root / f"home{i}", deadline, stats,
                                                                  args.size, uploaded[p["id"]], exits))
                        for i, p in enumerate(cli_people)]
            start = time.perf_counter()
            for w in workers:
                w.start()
            for w in workers:
                w.join(args.seconds + 2 * TIMEOUT + 60)
            wall = time.perf_counter() - start
            alive = sum(w.is_alive() for w in workers)

            say(f"\nload: {args.clients} raw clients + {args.cli} CLI loops for {args.seconds:g} s "
                f"(wall {wall:.1f} s{f', {alive} workers still running' if alive else ''}), PDFs of {args.size} B")
            say(f"{'endpoint':<28} {'count':>6} {'req/s':>7} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}  statuses")
            figures = {}
            total = 0
            for endpoint in sorted(stats.latency):
                samples = stats.latency[endpoint]
                total += len(samples)
                row = {"count": len(samples), "per_s": len(samples) / wall,
                       "p50_ms": pct(samples, 0.5) * 1000, "p90_ms": pct(samples, 0.9) * 1000,
                       "p99_ms": pct(samples, 0.99) * 1000,
                       "statuses": {str(k): v for k, v in sorted(stats.status[endpoint].items(), key=str)}}
                figures[endpoint] = row
                say(f"{endpoint:<28} {row['count']:>6} {row['per_s']:>7.1f} {row['p50_ms']:>8.1f} "
                    f"{row['p90_ms']:>8.1f} {row['p99_ms']:>8.1f}  {row['statuses']}")
            say(f"{'all':<28} {total:>6} {total / wall:>7.1f}")
            if exits:
                say(f"CLI exit codes: {dict(exits)}")
            say(f"errors (not 2xx, not 429): {len(stats.errors)}" + "".join(f"\n  {e}" for e in stats.errors))

            lost = duplicated = extra = 0
            for p in people:
                listed = [d["sha256"] for d in all_documents(admin, p)]
                counts = collections.Counter(listed)
                lost += sum(1 for d in uploaded[p["id"]] if counts[d] == 0)
                duplicated += sum(c - 1 for c in counts.values() if c > 1)
                extra += sum(1 for d in counts if d not in set(uploaded[p["id"]]))
            stored = sum(len(v) for v in uploaded.values())
            verdict = "PASS" if not (lost or duplicated or extra or stats.errors) else "FAIL"
            say(f"check: {stored} documents answered 201/200 (or exit 0); listed afterwards: lost {lost}, "
                f"duplicated {duplicated}, unexpected {extra} -> {verdict}")
            if args.json:
                args.json.parent.mkdir(parents=True, exist_ok=True)
                args.json.write_text(json.dumps({
                    "date": time.strftime("%Y-%m-%d %H:%M:%S"), "python": platform.python_version(),
                    "platform": platform.platform(), "cpus": os.cpu_count(), "args": {
                        k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                    "wall_s": wall, "endpoints": figures, "cli_exits": {str(k): v for k, v in exits.items()},
                    "errors": stats.errors, "stored": stored, "lost": lost, "duplicated": duplicated,
                    "unexpected": extra}, indent=2))
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            say(f"kept {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
