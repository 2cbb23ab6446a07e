"""Workers: login, upload and list with 1, 2 and 4 `mes server run` workers, on SQLite and on PostgreSQL.

Run:  python bench/workers.py [--seconds 10] [--clients 8] [--workers 1,2,4] [--backends sqlite,postgresql]
                              [--threads 8] [--size 4000] [--json FILE]

One configuration per worker count and backend, run in the order 1 worker on SQLite, 1 on
PostgreSQL, 2 on SQLite, … so that the two figures of a row are taken close together in time
on a machine that other jobs share. In each, N `mes server run --port 0 --dev` processes are
deployed as docs/deploy.md says, on a fresh store:

  sqlite      one data directory for all: the database file (WAL; several processes may share
              it) and the documents' bytes, in files;
  postgresql  a new, empty store in a throwaway cluster started for the run
              (tests/support/postgres.py: initdb + pg_ctl, fsync off), passed to every worker
              as --database URL; it holds the documents' bytes too (the default), and each
              worker has a data directory of its own, as on separate hosts.

The workers start one after the other (the first one creates the schema). The admin token and
one MES_SERVER_KEY for all go by environment, never on the command line (tests/support/server.py).
Before the clock starts, --clients persons are seeded and activated through the first worker
(bench/load.py's set-up). Then, for --seconds, --clients threads, each one person with its own
httpx clients (one per worker, keep-alive), loop the operations below and send each timed
request to the next worker in turn (round robin, no proxy; thread i starts at worker i mod N):

  login    POST /v1/logins, then POST /v1/logins/verify with the code from the dev outbox.
           Timed as one figure: the sum of the two requests. Reading the outbox stands in for
           the person reading the e-mail: a request to the worker that started the login,
           not timed.
  upload   a unique small PDF (Idempotency-Key + X-Content-SHA256; a network error is retried
           once, with the same key, on the next worker).
  list     GET /v1/profiles/{id}/documents?limit=50.

Every request is bounded (timeout 30 s) and no new loop starts after the deadline.
Reported per operation and configuration: count, errors (an answer neither 2xx nor 429, or a
network error), operations/s (a login counts once), p50/p95/p99 latency of every answer
(nearest rank); printed side by side, SQLite | PostgreSQL, with the ratio of their
throughputs. Then, per configuration, where the cores' time went during the load (/proc):
the client threads (this process), the workers, PostgreSQL, other jobs on the machine, idle;
a run in which other jobs took a share is not comparable. After each configuration every
person's documents are listed to the end: each SHA-256 answered 201/200 must be there exactly
once, and nothing else.
A benchmark reports, it does not assert: the exit status is 0 unless the set-up fails.
"""

from __future__ import annotations

import argparse
import base64
import collections
import contextlib
import hashlib
import itertools
import json
import os
import platform
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from load import PASSWORD, TIMEOUT, Stats, all_documents, make_pdf, pct, say, set_up_people  # noqa: E402
from support.postgres import Cluster, start_cluster  # noqa: E402
from support.server import ADMIN_TOKEN, RunningServer, start_server  # noqa: E402

BACKENDS = ("sqlite", "postgresql")
OPERATIONS = ("login", "upload", "list")
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def is_error(status: int | str) -> bool:
    """Neither a 2xx nor a 429 (being told to slow down is the server working as designed)."""
    return not (isinstance(status, int) and (200 <= status < 300 or status == 429))


# --- the workers and their store ----------------------------------------------------------


@contextlib.contextmanager
def fresh_store(backend: str, cluster: Cluster | None) -> Iterator[list[str]]:
    """The `mes server run` arguments for an empty store of `backend`, removed afterwards.

    SQLite needs none: a new data directory gets its own database file.
    """
    if backend == "sqlite":
        yield []
        return
    url = cluster.new_database()
    try:
        yield ["--database", url]
    finally:
        cluster.drop_database(url)


def data_directories(backend: str, count: int, base: Path) -> list[Path]:
    """One per worker. SQLite: the same for all, since the database file and the documents' bytes
    are in it; PostgreSQL: one each, as on separate hosts, since the database holds all they share."""
    if backend == "sqlite":
        return [base] * count
    return [base / f"worker-{n}" for n in range(1, count + 1)]


@contextlib.contextmanager
def running_workers(data_dirs: list[Path], arguments: list[str]) -> Iterator[list[RunningServer]]:
    """One server per data directory, started one after the other, all stopped on the way out.

    They share one server key, or a code e-mailed by one worker would be refused by another.
    """
    key = {"MES_SERVER_KEY": base64.b64encode(secrets.token_bytes(32)).decode()}
    started: list[RunningServer] = []
    try:
        for data_dir in data_dirs:
            started.append(start_server(data_dir, extra=arguments, env=key))
        yield started
    finally:
        exits = [worker.stop() for worker in started]
        if any(exits):
            say(f"  warning: workers exited with {exits}")


# --- one client thread ---------------------------------------------------------------------


@dataclass
class Answer:
    """One request as the client saw it: the response (None after a network error), its status, its time."""

    response: httpx.Response | None
    status: int | str
    seconds: float
    detail: str = ""


def send(request: Callable[[], httpx.Response]) -> Answer:
    """Times `request` as a person would wait for it: from sending to the last byte of the answer read."""
    start = time.perf_counter()
    try:
        response = request()
    except httpx.HTTPError as exc:
        return Answer(None, type(exc).__name__, time.perf_counter() - start, str(exc))
    seconds = time.perf_counter() - start
    return Answer(response, response.status_code, seconds, response.text if is_error(response.status_code) else "")


def emailed_code(client: httpx.Client, email: str) -> str | None:
    """The latest login code sent to `email`, or None when the outbox cannot be read.

    Unlike load.last_code, a failure here does not end the client thread: it counts as a failed login.
    """
    try:
        answer = client.get("/v1/dev/outbox", params={"to": email, "limit": 20})
    except httpx.HTTPError:
        return None
    if not answer.is_success:
        return None
    codes = [m["code"] for m in answer.json()["messages"] if m["kind"] == "login_code"]
    return codes[-1] if codes else None


def log_in(turn: Iterator[httpx.Client], p: dict, stats: Stats, deadline: float) -> str | None:
    """Both login steps, each on the next worker, recorded as one "login"; returns the session token.

    The code is read from the outbox of the worker that started the login, so that even with two
    workers the verification goes to the other one.
    """
    starting = next(turn)
    started = send(lambda: starting.post(
        "/v1/logins", json={"identifier": p["identifier"], "password": PASSWORD, "channel": "email"}))
    if started.status != 201:
        stats.record("login", started.status, started.seconds, started.detail)
        if started.status == 429:
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        return None
    code = emailed_code(starting, p["email"])
    if code is None:
        stats.record("login", "no code in the outbox", started.seconds)
        return None
    login_id = started.response.json()["login_id"]
    verified = send(lambda: next(turn).post("/v1/logins/verify", json={"login_id": login_id, "code": code}))
    stats.record("login", verified.status, started.seconds + verified.seconds, verified.detail)
    return verified.response.json()["token"] if verified.status == 201 else None


def upload(turn: Iterator[httpx.Client], p: dict, headers: dict, size: int, stats: Stats) -> str | None:
    """A new, unique PDF; returns its SHA-256 once the server has answered that it is stored.

    A network error is retried once with the same Idempotency-Key, on the next worker: the
    retry must neither lose nor duplicate the document, whichever worker got the first try.
    """
    key = str(uuid.uuid4())
    blob = make_pdf(f"workers {p['id']} {key}", size)
    digest = hashlib.sha256(blob).hexdigest()
    headers = {**headers, "Idempotency-Key": key, "X-Content-SHA256": digest, "Content-Type": "application/pdf"}
    for _attempt in range(2):
        answer = send(lambda: next(turn).post(f"/v1/profiles/{p['id']}/documents", content=blob, headers=headers,
                                              params={"title": f"workers {key[:8]}", "filename": f"{key}.pdf"}))
        stats.record("upload", answer.status, answer.seconds, answer.detail)
        if answer.response is not None:
            break
    return digest if answer.status in (200, 201) else None


def list_documents(turn: Iterator[httpx.Client], p: dict, headers: dict, stats: Stats) -> None:
    """The first page of 50, what `mes docs list` asks for by default."""
    answer = send(lambda: next(turn).get(f"/v1/profiles/{p['id']}/documents", params={"limit": 50},
                                         headers=headers))
    stats.record("list", answer.status, answer.seconds, answer.detail)


def client_loop(urls: list[str], first: int, p: dict, deadline: float, size: int, stats: Stats,
                uploaded: list[str]) -> None:
    """One person until the deadline: login, upload, list, each request on the next worker from `first` on."""
    with contextlib.ExitStack() as clients:
        per_worker = [clients.enter_context(httpx.Client(base_url=url, timeout=TIMEOUT)) for url in urls]
        turn = itertools.islice(itertools.cycle(per_worker), first % len(urls), None)
        while time.monotonic() < deadline:
            token = log_in(turn, p, stats, deadline)
            if token is None or time.monotonic() >= deadline:
                continue
            headers = {"Authorization": f"Bearer {token}"}
            digest = upload(turn, p, headers, size, stats)
            if digest is not None:
                uploaded.append(digest)
            list_documents(turn, p, headers, stats)


# --- where the CPU goes ---------------------------------------------------------------------


def proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None once the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """User + system time of a process and all its threads; with `reaped_children`, also that of
    the children it has waited for (how the time of PostgreSQL's exited backends stays counted)."""
    fields = proc_stat(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped_children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def cluster_cpu_seconds(cluster: Cluster) -> float:
    """The postmaster, its live backends and the ones that have exited."""
    postmaster = int((cluster.datadir / "postmaster.pid").read_text().split()[0])
    backends = [int(stat.parent.name) for stat in Path("/proc").glob("[0-9]*/stat")
                if (fields := proc_stat(int(stat.parent.name))) and int(fields[1]) == postmaster]
    return cpu_seconds(postmaster, reaped_children=True) + sum(map(cpu_seconds, backends))


def machine_cpu_seconds() -> tuple[float, float]:
    """All the cores' busy and idle time since boot (/proc/stat; waiting for the disk counts as idle)."""
    user, nice, system, idle, iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    ticks = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq + steal) / ticks, (idle + iowait) / ticks


def cpu_meters(workers: list[RunningServer], cluster: Cluster | None) -> dict[str, Callable[[], float]]:
    """CPU seconds used so far: by this process (the client threads), the workers, the cluster, and the
    whole machine, busy and idle.

    On a machine of a few cores the clients compete with the servers, and other jobs may run:
    these say where the cores' time went.
    """
    meters = {"clients": time.process_time, "workers": lambda: sum(cpu_seconds(w.process.pid) for w in workers)}
    if cluster is not None:
        meters["postgresql"] = lambda: cluster_cpu_seconds(cluster)
    meters["busy"] = lambda: machine_cpu_seconds()[0]
    meters["idle"] = lambda: machine_cpu_seconds()[1]
    return meters


def cpu_shares(used: dict[str, float]) -> dict[str, float]:
    """The load's CPU seconds by party; "other jobs" is the machine's busy time that none of ours explains."""
    ours = {party: seconds for party, seconds in used.items() if party not in ("busy", "idle")}
    return {**ours, "other jobs": max(0.0, used["busy"] - sum(ours.values())), "idle": used["idle"]}


# --- one configuration --------------------------------------------------------------------


@dataclass
class Load:
    """What the client threads saw during one configuration's timed load."""

    stats: Stats
    uploaded: dict[str, list[str]]  # person id -> SHA-256 of each document the server said it stored
    wall: float
    stuck: int  # client threads still waiting on a request when the report is made


def drive(urls: list[str], people: list[dict], seconds: float, size: int) -> Load:
    """One client thread per person for `seconds`; the wall time runs until the last answer is in."""
    stats = Stats()
    uploaded: dict[str, list[str]] = {p["id"]: [] for p in people}
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=client_loop, args=(urls, i, p, deadline, size, stats, uploaded[p["id"]]),
                                daemon=True)  # so that Ctrl-C does not wait for them
               for i, p in enumerate(people)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + TIMEOUT + 5)
    return Load(stats, uploaded, time.perf_counter() - start, sum(thread.is_alive() for thread in threads))


def figures(load: Load) -> dict[str, dict]:
    """Per operation: count, errors, operations/s, latency percentiles in ms (None without samples)."""
    result = {}
    for operation in OPERATIONS:
        samples = load.stats.latency.get(operation, [])
        statuses = load.stats.status.get(operation, collections.Counter())
        result[operation] = {
            "count": len(samples), "errors": sum(n for status, n in statuses.items() if is_error(status)),
            "per_s": len(samples) / load.wall,
            **{f"p{q}_ms": pct(samples, q / 100) * 1000 if samples else None for q in (50, 95, 99)},
            "statuses": {str(status): n for status, n in sorted(statuses.items(), key=str)}}
    return result


def check_documents(client: httpx.Client, people: list[dict], uploaded: dict[str, list[str]]) -> dict:
    """Every person's documents listed to the end: each SHA-256 the server said it stored is there
    exactly once, and nothing else is."""
    stored = lost = duplicated = unexpected = 0
    for p in people:
        listed = collections.Counter(document["sha256"] for document in all_documents(client, p))
        answered = set(uploaded[p["id"]])
        stored += len(uploaded[p["id"]])
        lost += sum(1 for digest in answered if listed[digest] == 0)
        duplicated += sum(n - 1 for n in listed.values() if n > 1)
        unexpected += sum(1 for digest in listed if digest not in answered)
    verdict = "PASS" if not (lost or duplicated or unexpected) else "FAIL"
    return {"stored": stored, "lost": lost, "duplicated": duplicated, "unexpected": unexpected, "verdict": verdict}


def run_configuration(backend: str, count: int, args: argparse.Namespace, root: Path,
                      cluster: Cluster | None) -> dict:
    """Fresh store, `count` workers, persons seeded, the timed load, the check; everything stopped after."""
    data_dirs = data_directories(backend, count, root / f"{backend}-{count}")
    with fresh_store(backend, cluster) as store, \
            running_workers(data_dirs, [*store, "--threads", str(args.threads)]) as workers:
        with httpx.Client(base_url=workers[0].url, timeout=TIMEOUT) as first:
            people = set_up_people(first, ADMIN_TOKEN, args.clients)
            meters = cpu_meters(workers, cluster if backend == "postgresql" else None)
            before = {party: read() for party, read in meters.items()}
            load = drive([worker.url for worker in workers], people, args.seconds, args.size)
            cpu = cpu_shares({party: read() - before[party] for party, read in meters.items()})
            check = check_documents(first, people, load.uploaded)
    result = {"backend": backend, "workers": count, "wall_s": load.wall, "stuck_clients": load.stuck,
              "operations": figures(load), "error_samples": load.stats.errors, "check": check,
              "cpu_s": cpu}
    say(progress(result))
    return result


def progress(result: dict) -> str:
    operations = result["operations"]
    check = result["check"]
    line = (f"{LABELS[result['backend']]}, {result['workers']} worker(s): {result['wall_s']:.1f} s, "
            + ", ".join(f"{operation} {row['count']} ({row['errors']} errors)" for operation, row in operations.items())
            + f"; check: {check['stored']} stored, lost {check['lost']}, duplicated {check['duplicated']}, "
              f"unexpected {check['unexpected']} -> {check['verdict']}")
    line += "; CPU s: " + ", ".join(f"{party} {seconds:.1f}" for party, seconds in result["cpu_s"].items())
    if result["stuck_clients"]:
        line += f"; {result['stuck_clients']} client(s) still waiting on a request"
    return line + "".join(f"\n  {error}" for error in result["error_samples"])


# --- the report ----------------------------------------------------------------------------


def postgres_version(cluster: Cluster) -> str:
    import psycopg

    with psycopg.connect(cluster.url()) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def machine(cluster: Cluster | None) -> dict:
    return {"date": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "sqlite": sqlite3.sqlite_version,
            "postgresql": postgres_version(cluster) if cluster else None,
            "load_average_1_5_15": os.getloadavg()}


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table padded to be read as text too: the first column left-aligned, the others right."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                                  for i, (cell, w) in enumerate(zip(cells, widths))) + " |"

    rule = "|" + "|".join(("-" * (w + 2)) if i == 0 else ("-" * (w + 1) + ":") for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), rule, *map(line, rows)])


def number(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def side_by_side(results: list[dict], backends: list[str], worker_counts: list[int]) -> str:
    """Rows: operation × workers; per backend req/s, p50/p95/p99 ms, errors; then PostgreSQL/SQLite req/s."""
    found = {(r["backend"], r["workers"]): r["operations"] for r in results}
    header = ["operation", "workers"]
    for backend in backends:
        header += [f"{LABELS[backend]} req/s", "p50 ms", "p95 ms", "p99 ms", "errors"]
    both = set(BACKENDS) <= set(backends)
    if both:
        header.append("PostgreSQL/SQLite")
    rows = []
    for operation in OPERATIONS:
        for count in worker_counts:
            row = [operation, str(count)]
            for backend in backends:
                cell = found[backend, count][operation]
                row += [number(cell["per_s"]), *(number(cell[f"p{q}_ms"]) for q in (50, 95, 99)), str(cell["errors"])]
            if both:
                sqlite, postgresql = (found[backend, count][operation]["per_s"] for backend in BACKENDS)
                row.append(f"{postgresql / sqlite:.2f}" if sqlite else "–")
            rows.append(row)
    return markdown_table(header, rows)


def per_configuration(results: list[dict]) -> str:
    """Where the cores' time went during the load, and the check of the documents."""
    parties = ("clients", "workers", "postgresql", "other jobs", "idle")
    rows = [[LABELS[r["backend"]], str(r["workers"]), f"{r['wall_s']:.1f}",
             *(number(r["cpu_s"].get(party)) for party in parties),
             *(str(r["check"][k]) for k in ("stored", "lost", "duplicated", "unexpected", "verdict"))]
            for r in results]
    return markdown_table(["backend", "workers", "wall s", "CPU s: clients", "workers", "PostgreSQL", "other jobs",
                           "idle", "stored", "lost", "duplicated", "unexpected", "check"], rows)


# --- the run -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="load per configuration (default 10, at most 600)")
    parser.add_argument("--clients", type=int, default=8, help="client threads, one person each (default 8)")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to compare (default 1,2,4)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="stores to compare (default sqlite,postgresql)")
    parser.add_argument("--threads", type=int, default=8, help="each worker's --threads (default 8)")
    parser.add_argument("--size", type=int, default=4000, help="bytes per PDF (default 4000)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures to FILE")
    args = parser.parse_args(argv)
    try:
        args.workers = [int(n) for n in args.workers.split(",")]
    except ValueError:
        parser.error("--workers: comma-separated counts, e.g. 1,2,4")
    args.backends = [b.strip() for b in args.backends.split(",")]
    if not (0 < args.seconds <= 600) or args.clients < 1 or min(args.workers) < 1 or args.threads < 1:
        parser.error("--seconds in (0, 600]; --clients, --workers and --threads at least 1")
    if not set(args.backends) <= set(BACKENDS) or len(set(args.backends)) != len(args.backends):
        parser.error(f"--backends: some of {','.join(BACKENDS)}, each once")
    return args


def start_postgresql(cleanup: contextlib.ExitStack) -> Cluster:
    """A throwaway cluster, stopped and removed when `cleanup` closes.

    Its directory is a temporary directory of its own: as root the cluster runs as `postgres`,
    who could not enter a directory private to root.
    """
    base = Path(tempfile.mkdtemp(prefix="mes-bench-postgres-"))
    cleanup.callback(shutil.rmtree, base, ignore_errors=True)
    cluster = start_cluster(base)
    cleanup.callback(cluster.stop)
    return cluster


def run(args: argparse.Namespace) -> tuple[dict, list[dict]]:
    """Every configuration; the temporary directories, the workers and the cluster are gone on return,
    also after an error or Ctrl-C."""
    with contextlib.ExitStack() as cleanup:
        root = Path(tempfile.mkdtemp(prefix="mes-bench-workers-"))
        cleanup.callback(shutil.rmtree, root, ignore_errors=True)
        cluster = start_postgresql(cleanup) if "postgresql" in args.backends else None
        about = machine(cluster)
        say(f"{about['date']}; {about['cpus']} CPUs, load average {about['load_average_1_5_15'][0]:.2f}; "
            f"Python {about['python']}, SQLite {about['sqlite']}"
            + (f", PostgreSQL {about['postgresql']}" if cluster else "") + f"; {about['platform']}")
        say(f"{args.clients} clients for {args.seconds:g} s per configuration, each worker --threads {args.threads}, "
            f"PDFs of {args.size} B\n")
        results = [run_configuration(backend, count, args, root, cluster)
                   for count in args.workers for backend in args.backends]
    return about, results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        about, results = run(args)
    except subprocess.CalledProcessError as exc:
        sys.exit(f"set-up failed: {' '.join(exc.cmd)}: {exc.stderr or exc}")
    except RuntimeError as exc:
        sys.exit(f"set-up failed: {exc}")
    say("\n" + side_by_side(results, args.backends, args.workers))
    say("\nlogin: both requests (start + verify) as one; req/s counts every answer.\n")
    say(per_configuration(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": about, "args": {
            k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "configurations": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
