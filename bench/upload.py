"""Bulk document upload: `mes docs upload DIR -r` against ceilings, peak memory, and listing with many documents.

Run:  python bench/upload.py [--files 1000] [--size 20000] [--repeat 3] [--curl-files 200] [--skip-curl]
                             [--big-files 8] [--many-files N] [--clients 4] [--throughput-only] [--json FILE]

A benchmark reports, it does not assert: targets are printed with PASS/FAIL and
the exit status is 0 unless the set-up fails.

Measured (each upload goes to a person created for it, set up before the clock starts, so
nothing is "already there"; the throughput runs are repeated --repeat times, round-robin,
and their medians compared):
  embedded  one `mes --api-url local docs upload DIR -r` process, default --jobs, then --jobs 1
            and 8; wall time of the whole process (start-up, hashing, lookup, uploads, exit).
  remote    `mes server run --dev` in a subprocess; one `mes docs upload DIR -r` process, then the
            ceilings, run in this process: raw httpx (one httpx.Client, the same headers, SHA-256
            per file) sequentially and with a thread pool of the CLI's default --jobs; then a shell
            loop with one `sha256sum` and one `curl` per file, as a person would script it (on
            --curl-files files only: its per-document rate is what is compared).
  server    the same server, --clients client processes at once (default 4), each a person of its own
            sending its share of the --files files with raw httpx, one request at a time; the rate is
            all the documents over the wall time from a common start (the clients have imported httpx
            and seen the server answer) to the last one's end: what the server stores for several clients.
  memory    peak RSS (GNU time's %M, see run_process) of `mes docs upload` with --small-files and
            --files files, with one 5,000,000-byte PDF, and with --big-files such PDFs at once
            (default --jobs and --jobs 8); embedded (the server's share is in the same process)
            and remote (the CLI alone). --many-files N adds N files of --size bytes (both modes).
  listing   `mes docs list --limit 50` (embedded), median of 5 whole processes, with --files
            documents stored, then with 100,000 (rows added straight into SQLite, all pointing
            at one existing blob).
--throughput-only skips the memory and listing parts.

Bytecode: as in bench/startup.py, the timed processes get PYTHONPYCACHEPREFIX=<temp dir>
and no PYTHONDONTWRITEBYTECODE (set-up commands fill that cache first); --as-is keeps
the environment's settings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

PYTHON = sys.executable
MES = str(Path(sys.executable).parent / "mes")
PASSWORD = "Bench-Pass-9!x"
DEFAULT_JOBS = 4  # `mes docs upload --jobs` default (src/mes_cli/cli/docs.py)
BIG_BYTES = 5_000_000  # the per-document limit (DOMAIN.md §5)
LIST_BIG = 100_000

TARGET_EMBEDDED_DOCS_S = 1200.0  # issue 17, target 2
TARGET_VS_HTTPX = 0.9  # the CLI against raw httpx at the same parallelism
TARGET_SERVER_DOCS_S = 1000.0  # the server, from --clients (4) concurrent clients
TARGET_VS_CURL = 5.0
TARGET_RSS_MB = 100.0
TARGET_LIST_RATIO = 1.5


def say(message: str = "") -> None:
    print(message, flush=True)


# --- test files -------------------------------------------------------------------


def make_pdf(size: int, label: str) -> bytes:
    """A valid one-page PDF of exactly ``size`` bytes (when size allows), unique through ``label``
    and random filler: catalog, pages, page, content stream, font, an unreferenced filler
    stream, a correct xref table and trailer."""
    text = f"BT /F1 18 Tf 72 720 Td (Bench document {label}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]

    def build(filler_len: int) -> bytes:
        filler = (label.encode() + b" " + os.urandom(filler_len).hex().encode())[:filler_len]
        filler += b"0" * (filler_len - len(filler))
        body = objects + [b"<< /Length %d >>\nstream\n%s\nendstream" % (len(filler), filler)]
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, obj in enumerate(body, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(body) + 1)
        out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(body) + 1, xref)
        return bytes(out)

    filler_len = max(0, size - len(build(0)))
    for _ in range(5):  # the digits of /Length and startxref may shift the total by a byte or two
        data = build(filler_len)
        if len(data) == size or filler_len == 0:
            break
        filler_len = max(0, filler_len + size - len(data))
    return data


def make_files(folder: Path, count: int, size: int, tag: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"{tag}_{i:06d}.pdf"
        path.write_bytes(make_pdf(size, f"{tag}-{i}-{secrets.token_hex(4)}"))
        paths.append(path)
    return paths


# --- processes --------------------------------------------------------------------


@dataclass
class Proc:
    wall: float
    maxrss_kb: int
    returncode: int
    stdout: bytes
    stderr: bytes


TIME = shutil.which("time", path="/usr/bin:/bin") if sys.platform.startswith("linux") else None


def run_process(argv: list[str], env: dict[str, str], stdin: bytes | None = None, timeout: float = 600,
                rss: bool = False) -> Proc:
    """Runs one process: its wall time and, with ``rss``, its own peak RSS.

    The peak comes from GNU time (``/usr/bin/time -f %M``), which forks a small child and
    execs the command in it. ``ru_maxrss`` read here with wait4 would be wrong: Python starts
    children with vfork, and Linux carries the pre-exec high-water mark over exec, so every
    child would report at least this benchmark's own peak (~55 MB with the test files).
    """
    rss_file = None
    if rss and TIME:
        rss_file = tempfile.NamedTemporaryFile(suffix=".rss", delete=False)
        rss_file.close()
        argv = [TIME, "-f", "%M", "-o", rss_file.name, *argv]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as inp:
        if stdin is not None:
            inp.write(stdin)
            inp.seek(0)
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=inp if stdin is not None else subprocess.DEVNULL, stdout=out,
                                stderr=err, env=env)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        maxrss_kb = usage.ru_maxrss
        if rss_file is not None:
            text = Path(rss_file.name).read_text().split()
            os.unlink(rss_file.name)
            maxrss_kb = int(text[-1]) if text and text[-1].isdigit() else -1
        out.seek(0)
        err.seek(0)
        return Proc(wall, maxrss_kb, proc.returncode, out.read(), err.read())


def mes(env: dict[str, str], *args: str, stdin: str | None = None, retry_on: str | None = None) -> str:
    for _ in range(5):
        proc = run_process([MES, *args], env, stdin=stdin.encode() if stdin is not None else None, timeout=180)
        if proc.returncode == 0 or not retry_on or retry_on not in proc.stderr.decode(errors="replace"):
            break
    if proc.returncode != 0:
        sys.exit(f"set-up failed: mes {' '.join(args)} exited {proc.returncode}\n"
                 f"{proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode()


class Homes:
    """Fresh MES_HOME directories, each with one newly seeded, activated and logged-in person.

    Subclasses (bench/health_import.py) change how the person is seeded and what ``person`` returns;
    the activation and login (``activate``) are the same for all."""

    identifier_prefix = "bench.upload"
    password = PASSWORD

    def __init__(self, root: Path, as_is: bool) -> None:
        self.root = root
        self.count = 0
        base = {k: v for k, v in os.environ.items() if not k.startswith("MES_") and k != "CI"}
        if not as_is:
            base.pop("PYTHONDONTWRITEBYTECODE", None)
            base["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
        self.base = base

    def env(self, home: Path, api_url: str = "local", admin_token: str | None = None) -> dict[str, str]:
        env = dict(self.base, MES_HOME=str(home), MES_API_URL=api_url)
        if admin_token:
            env["MES_ADMIN_TOKEN"] = admin_token
        return env

    def new_home(self, api_url: str = "local", admin_token: str | None = None) -> tuple[dict[str, str], Path]:
        """(environment, home) for the next person; the home is not created (`mes` does it)."""
        self.count += 1
        home = self.root / f"home{self.count:02d}"
        return self.env(home, api_url, admin_token), home

    def activate(self, env: dict[str, str], p: dict) -> None:
        """Activates the seeded person ``p`` (the letter's code from the outbox) and logs them in (the
        e-mailed code)."""
        identifier = f"{self.identifier_prefix}{self.count:02d}{secrets.token_hex(2)}"
        letter = json.loads(mes(env, "outbox", "--to", p["nir"], "--last", "--format", "json"))
        mes(env, "activate", "--code", letter["code"], "--nir", p["nir"], "--serial", p["card_serial"],
            "--birth-date", p["birth_date"], "--identifier", identifier, "--password-stdin", "--accept-terms",
            stdin=self.password + "\n")
        mes(env, "login", "--identifier", identifier, "--password-stdin", "--channel", "email",
            stdin=self.password + "\n")
        mail = json.loads(mes(env, "outbox", "--to", p["email"], "--last", "--format", "json"))
        mes(env, "login", "--code", mail["code"])

    def person(self, api_url: str = "local", admin_token: str | None = None) -> tuple[dict[str, str], str, Path]:
        """(environment, session token, home) for a new person, on the embedded server or a remote one."""
        env, home = self.new_home(api_url, admin_token)
        # Demo NIRs draw a random order number among 998: on a server seeded many times they can collide.
        persons = json.loads(mes(env, "server", "seed", "--demo", "--format", "json",
                                 retry_on="NIR_ALREADY_REGISTERED"))
        self.activate(env, persons[0])
        sessions = json.loads((home / "sessions.json").read_text())
        (entry,) = sessions.values()
        return env, entry["token"], home


# --- measurements -----------------------------------------------------------------


@dataclass
class Upload:
    name: str
    files: int
    wall_s: float
    docs_s: float
    created: int
    maxrss_mb: float | None = None
    note: str = ""


def cli_upload(name: str, env: dict[str, str], folder: Path, count: int, jobs: int | None = None) -> Upload:
    argv = [MES, "docs", "upload", str(folder), "-r", "--format", "json"]
    if jobs is not None:
        argv += ["--jobs", str(jobs)]
    proc = run_process(argv, env, rss=True)
    created = 0
    try:
        created = sum(1 for r in json.loads(proc.stdout) if r.get("status") == "uploaded")
    except ValueError:
        pass
    note = "" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr.decode(errors='replace')[-300:]}"
    if created != count:
        note = (note + f" only {created}/{count} uploaded").strip()
    result = Upload(name, count, proc.wall, count / proc.wall, created, proc.maxrss_kb / 1024, note)
    say(f"  {name:<42} {count:>5} files {proc.wall:7.2f} s {result.docs_s:7.1f} docs/s "
        f"peak RSS {result.maxrss_mb:6.1f} MB {note}")
    return result


def raw_httpx(name: str, url: str, token: str, folder: Path, jobs: int, quiet: bool = False) -> Upload:
    import httpx

    base = {"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"}
    start = time.perf_counter()
    files = sorted(folder.glob("*.pdf"))
    with httpx.Client(base_url=url, timeout=60) as client:
        def one(path: Path) -> int:
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            reply = client.post("/v1/profiles/me/documents", params={"filename": path.name}, content=data,
                                headers={**base, "Idempotency-Key": f"sha256:{digest}", "X-Content-SHA256": digest})
            return reply.status_code

        if jobs == 1:
            codes = [one(p) for p in files]
        else:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                codes = list(pool.map(one, files))
    wall = time.perf_counter() - start
    created = codes.count(201)
    note = "" if created == len(files) else f"only {created}/{len(files)} answered 201"
    result = Upload(name, len(files), wall, len(files) / wall, created, None, note)
    if not quiet:
        say(f"  {name:<42} {len(files):>5} files {wall:7.2f} s {result.docs_s:7.1f} docs/s {note}")
    return result


CURL_LOOP = r"""
for f in "$DIR"/*.pdf; do
  h=$(sha256sum "$f" | cut -d' ' -f1)
  curl -s -o /dev/null -w '%{http_code}\n' -X POST --data-binary @"$f" \
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/octet-stream" \
    -H "Idempotency-Key: sha256:$h" -H "X-Content-SHA256: $h" \
    "$URL/v1/profiles/me/documents?filename=$(basename "$f")"
done
"""


def curl_loop(name: str, url: str, token: str, folder: Path, count: int) -> Upload:
    env = dict(os.environ, DIR=str(folder), TOKEN=token, URL=url)
    proc = run_process(["bash", "-c", CURL_LOOP], env)
    created = proc.stdout.decode().split().count("201")
    note = "" if created == count else f"only {created}/{count} answered 201"
    result = Upload(name, count, proc.wall, count / proc.wall, created, None, note)
    say(f"  {name:<42} {count:>5} files {proc.wall:7.2f} s {result.docs_s:7.1f} docs/s {note}")
    return result


CLIENT = r"""
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import httpx
import upload
folder, url, token = Path(sys.argv[2]), sys.argv[3], sys.argv[4]
httpx.get(url + "/health", timeout=60).raise_for_status()  # the server answers before the common start
sys.stdout.write("ready\n")
sys.stdout.flush()
sys.stdin.readline()  # the common start
result = upload.raw_httpx("client", url, token, folder, 1, quiet=True)
print(result.created, flush=True)
"""


def concurrent_clients(name: str, url: str, tokens: list[str], folders: list[Path], env: dict[str, str]) -> Upload:
    """One raw-httpx client process per (token, folder), all started together; documents over wall time."""
    procs = [subprocess.Popen([PYTHON, "-c", CLIENT, str(Path(__file__).resolve().parent), str(folder), url, token],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
             for token, folder in zip(tokens, folders)]
    for proc in procs:
        if proc.stdout.readline().strip() != "ready":
            sys.exit("a client process did not start")
    start = time.perf_counter()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    created = 0
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        created += int(out.strip() or 0)
    wall = time.perf_counter() - start
    count = sum(len(list(folder.glob("*.pdf"))) for folder in folders)
    note = "" if created == count else f"only {created}/{count} answered 201"
    result = Upload(name, count, wall, count / wall, created, None, note)
    say(f"  {name:<42} {count:>5} files {wall:7.2f} s {result.docs_s:7.1f} docs/s {note}")
    return result


class Server:
    """`mes server run --port 0 --dev` in a subprocess; its URL read from its first stderr lines."""

    def __init__(self, homes: Homes, data_dir: Path) -> None:
        self.token = secrets.token_urlsafe(16)
        env = dict(homes.base)
        self.proc = subprocess.Popen([MES, "server", "run", "--port", "0", "--dev", "--data-dir", str(data_dir),
                                      "--admin-token", self.token], env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seen = []
        line = ""
        for line in self.proc.stderr:  # the URL is on the "listening on" line
            seen.append(line)
            if "listening on " in line or len(seen) > 20:
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


def list_times(env: dict[str, str], runs: int, stored: int) -> list[float]:
    argv = [MES, "docs", "list", "--limit", "50"]
    run_process(argv, env)  # warm-up
    samples = []
    for _ in range(runs):
        proc = run_process(argv, env)
        if proc.returncode != 0 or len(json.loads(proc.stdout or b"[]")) != min(50, stored):
            sys.exit(f"mes docs list failed (exit {proc.returncode}): {proc.stderr.decode(errors='replace')}")
        samples.append(proc.wall)
    return samples


def add_rows(db_path: Path, total: int) -> tuple[int, float]:
    """Tops the person's documents up to ``total`` rows, straight in SQLite, reusing one blob."""
    start = time.perf_counter()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    model = conn.execute("SELECT * FROM documents ORDER BY seq LIMIT 1").fetchone()
    have = conn.execute("SELECT count(*) FROM documents WHERE profile_id = ?", (model["profile_id"],)).fetchone()[0]
    missing = max(0, total - have)
    rows = []
    for i in range(missing):
        key = secrets.token_hex(32)
        rows.append((f"d_{secrets.token_hex(8)}", model["profile_id"], f"Bench row {i:06d}", model["category"],
                     model["document_date"], None, "person", model["media_type"], model["size"], model["sha256"],
                     0, model["created_at"], f"sha256:{key}"))
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO documents(id, profile_id, title, category, document_date, author, uploaded_by,"
                     " media_type, size, sha256, hidden, created_at, idempotency_key)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    count = conn.execute("SELECT count(*) FROM documents WHERE profile_id = ?", (model["profile_id"],)).fetchone()[0]
    conn.close()
    return count, time.perf_counter() - start


# --- the run -----------------------------------------------------------------------


class _SkipListing(Exception):
    """--throughput-only: the listing part is not run."""


def median_rate(runs: list[Upload]) -> float:
    return statistics.median(r.docs_s for r in runs)


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("PASS" if ok else "FAIL")


def clean_up(root: Path, keep: bool, server: Server | None) -> None:
    """Stops the server if it still runs; removes the temporary directory unless --keep."""
    if server is not None:
        server.stop()
    if keep:
        say(f"kept: {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)


def print_rows(rows: list[dict], target_width: int) -> None:
    """The summary table (what, value, target, verdict), the first two columns as wide as their longest."""
    width = max(len(r["what"]) for r in rows)
    vwidth = max(len(r["value"]) for r in rows)
    for r in rows:
        say(f"  {r['what']:<{width}}  {r['value']:<{vwidth}}  {r['target']:<{target_width}} {r['verdict']}")


def write_figures(path: Path, args: argparse.Namespace, load_before: tuple[float, float, float],
                  load_after: tuple[float, float, float], **figures: object) -> None:
    """--json FILE: the date, Python, platform, CPUs, load and arguments, then ``figures`` in their order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "date": dt.datetime.now().isoformat(timespec="seconds"), "python": platform.python_version(),
        "platform": platform.platform(), "cpus": os.cpu_count(), "load_before": load_before,
        "load_after": load_after, "args": {k: str(v) for k, v in vars(args).items()}, **figures,
    }, indent=1, ensure_ascii=False) + "\n")
    say(f"figures written to {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000, help="files per bulk upload (default 1000)")
    parser.add_argument("--size", type=int, default=20000, help="bytes per file (default 20000)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the throughput runs, medians reported "
                        "(default 3)")
    parser.add_argument("--small-files", type=int, default=200, help="the smaller upload for the memory "
                        "comparison (default 200)")
    parser.add_argument("--curl-files", type=int, default=200, help="files for the curl loop (default 200; its "
                        "per-document rate is what is compared)")
    parser.add_argument("--skip-curl", action="store_true", help="no curl loop")
    parser.add_argument("--big-files", type=int, default=8, metavar="N", help="also upload N distinct "
                        "5,000,000-byte PDFs at once, with the default --jobs and with --jobs 8 (default 8; 0 skips)")
    parser.add_argument("--many-files", type=int, default=0, metavar="N", help="also upload N files of --size "
                        "bytes (embedded and remote) to see the peak RSS stay flat with the number of files "
                        "(default: skip)")
    parser.add_argument("--list-docs", type=int, default=LIST_BIG, help="documents for the big listing "
                        f"(default {LIST_BIG:,})")
    parser.add_argument("--list-runs", type=int, default=5, help="timed `docs list` runs per size (default 5)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client processes for the server's "
                        "rate (default 4; 0 skips)")
    parser.add_argument("--throughput-only", action="store_true", help="skip the memory and listing parts")
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the figures to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--as-is", action="store_true", help="keep the environment's bytecode settings")
    args = parser.parse_args(argv)
    if min(args.files, args.repeat, args.small_files, args.curl_files, args.list_runs) < 1:
        parser.error("--files, --repeat, --small-files, --curl-files and --list-runs must be at least 1")
    if not Path(MES).exists():
        sys.exit(f"no `mes` next to {PYTHON}: install the project in this environment first")
    if not args.skip_curl and not (shutil.which("curl") and shutil.which("sha256sum") and shutil.which("bash")):
        say("curl, sha256sum or bash not found: the curl loop is skipped")
        args.skip_curl = True
    if TIME is None:
        say("GNU time not found (/usr/bin/time): peak RSS from wait4, which includes this benchmark's own peak")

    root = Path(tempfile.mkdtemp(prefix="mes-bench-upload-"))
    homes = Homes(root, args.as_is)
    runs: dict[str, list[Upload]] = {}
    listing: dict[str, object] = {}
    began = time.perf_counter()
    load_before = os.getloadavg()
    server = None

    def record(key: str, result: Upload) -> None:
        runs.setdefault(key, []).append(result)

    try:
        say(f"Generating {args.files} PDFs of {args.size:,} bytes, and {1 + args.big_files} of {BIG_BYTES:,} "
            "bytes …")
        t0 = time.perf_counter()
        bulk = root / "files"
        make_files(bulk, args.files, args.size, "doc")
        subsets = {}
        for name, count in (("small", args.small_files), ("curl", args.curl_files)):
            subsets[name] = root / name
            subsets[name].mkdir()
            for path in sorted(bulk.iterdir())[:count]:
                os.link(path, subsets[name] / path.name)
        big = root / "big"
        big.mkdir()
        (big / "big.pdf").write_bytes(make_pdf(BIG_BYTES, "big"))
        bigs = root / "bigs"
        bigs.mkdir()
        for i in range(args.big_files):
            (bigs / f"big_{i:02d}.pdf").write_bytes(make_pdf(BIG_BYTES, f"big-{i}-{secrets.token_hex(4)}"))
        many = root / "many"
        if args.many_files and not args.throughput_only:
            make_files(many, args.many_files, args.size, "many")
        say(f"  done in {time.perf_counter() - t0:.1f} s")
        shares = []  # the files split among the concurrent clients
        for index in range(args.clients):
            shares.append(root / f"share{index}")
            shares[-1].mkdir()
        for position, path in enumerate(sorted(bulk.iterdir())):
            if args.clients:
                os.link(path, shares[position % args.clients] / path.name)
        small_count = len(list(subsets["small"].iterdir()))
        curl_count = len(list(subsets["curl"].iterdir()))

        # -- embedded ------------------------------------------------------------------
        say(f"\nEmbedded (`--api-url local`: the server runs in the CLI process); whole-process wall time, "
            f"{args.repeat} round(s):")
        list_home = None
        for round_ in range(1, args.repeat + 1):
            for jobs in (None, 1, 8):
                env, _, home = homes.person()
                key = "embedded" if jobs is None else f"embedded_j{jobs}"
                label = f"[{round_}] mes docs upload -r " + (f"(--jobs {DEFAULT_JOBS})" if jobs is None
                                                              else f"--jobs {jobs}")
                record(key, cli_upload(label, env, bulk, args.files, jobs))
                list_home = list_home or home
        memory_runs = not args.throughput_only
        if memory_runs:
            env, _, _ = homes.person()
            record("embedded_small", cli_upload("mes docs upload -r (memory, fewer files)", env, subsets["small"],
                                                small_count))
            env, _, _ = homes.person()
            record("embedded_big", cli_upload("mes docs upload (one 5 MB PDF)", env, big, 1))
        for jobs in (DEFAULT_JOBS, 8) if args.big_files and memory_runs else ():
            env, _, _ = homes.person()
            record(f"embedded_bigs_j{jobs}", cli_upload(f"mes docs upload ({args.big_files} × 5 MB, --jobs {jobs})",
                                                        env, bigs, args.big_files, jobs))
        if args.many_files and memory_runs:
            env, _, _ = homes.person()
            record("embedded_many", cli_upload(f"mes docs upload -r ({args.many_files} × {args.size:,} B)", env,
                                               many, args.many_files))

        # -- remote --------------------------------------------------------------------
        say(f"\nRemote (`mes server run --dev` in another process on this machine), {args.repeat} round(s):")
        server = Server(homes, root / "server-data")
        say(f"  server at {server.url}")
        for round_ in range(1, args.repeat + 1):
            env, _, _ = homes.person(server.url, server.token)
            record("remote", cli_upload(f"[{round_}] mes docs upload -r (--jobs {DEFAULT_JOBS})", env, bulk,
                                        args.files))
            _, token, _ = homes.person(server.url, server.token)
            record("httpx_seq", raw_httpx(f"[{round_}] raw httpx, sequential", server.url, token, bulk, 1))
            _, token, _ = homes.person(server.url, server.token)
            record("httpx_par", raw_httpx(f"[{round_}] raw httpx, {DEFAULT_JOBS} threads", server.url, token,
                                          bulk, DEFAULT_JOBS))
            if not args.skip_curl:
                _, token, _ = homes.person(server.url, server.token)
                record("curl", curl_loop(f"[{round_}] shell loop: sha256sum + curl", server.url, token,
                                         subsets["curl"], curl_count))
            if args.clients:
                tokens = [homes.person(server.url, server.token)[1] for _ in range(args.clients)]
                record("server_clients", concurrent_clients(
                    f"[{round_}] {args.clients} client processes, raw httpx", server.url, tokens, shares,
                    homes.base))
        if memory_runs:
            env, _, _ = homes.person(server.url, server.token)
            record("remote_small", cli_upload("mes docs upload -r (memory, fewer files)", env, subsets["small"],
                                              small_count))
            env, _, _ = homes.person(server.url, server.token)
            record("remote_big", cli_upload("mes docs upload (one 5 MB PDF)", env, big, 1))
        for jobs in (DEFAULT_JOBS, 8) if args.big_files and memory_runs else ():
            env, _, _ = homes.person(server.url, server.token)
            record(f"remote_bigs_j{jobs}", cli_upload(f"mes docs upload ({args.big_files} × 5 MB, --jobs {jobs})",
                                                      env, bigs, args.big_files, jobs))
        if args.many_files and memory_runs:
            env, _, _ = homes.person(server.url, server.token)
            record("remote_many", cli_upload(f"mes docs upload -r ({args.many_files} × {args.size:,} B)", env,
                                             many, args.many_files))
        server.stop()
        server = None

        # -- listing -------------------------------------------------------------------
        if args.throughput_only:
            raise _SkipListing
        say(f"\nListing (embedded, `mes docs list --limit 50`, median of {args.list_runs} whole processes "
            "after one warm-up):")
        list_env = homes.env(list_home)
        db_path = list_home / "server" / "mes.sqlite3"
        with sqlite3.connect(db_path) as conn:
            have = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        few = list_times(list_env, args.list_runs, have)
        say(f"  {have:>7,} documents: median {statistics.median(few) * 1000:5.0f} ms "
            f"(min {min(few) * 1000:.0f}, max {max(few) * 1000:.0f})")
        total, took = add_rows(db_path, args.list_docs)
        say(f"  (added {total - have:,} rows straight into SQLite in {took:.1f} s)")
        many_list = list_times(list_env, args.list_runs, total)
        say(f"  {total:>7,} documents: median {statistics.median(many_list) * 1000:5.0f} ms "
            f"(min {min(many_list) * 1000:.0f}, max {max(many_list) * 1000:.0f})")
        listing = {"few_docs": have, "few_s": few, "many_docs": total, "many_s": many_list}
    except _SkipListing:
        pass
    finally:
        clean_up(root, args.keep, server)

    # -- summary -------------------------------------------------------------------
    rows = []

    def row(what: str, value: str, target: str = "", ok: bool | None = None) -> None:
        rows.append({"what": what, "value": value, "target": target, "verdict": verdict(ok)})

    def spread(key: str) -> str:
        rates = sorted(r.docs_s for r in runs[key])
        return f"{median_rate(runs[key]):.0f} docs/s" + (f" ({rates[0]:.0f}–{rates[-1]:.0f})" if len(rates) > 1
                                                          else "")

    emb = median_rate(runs["embedded"])
    row(f"embedded, {args.files} files, --jobs {DEFAULT_JOBS} (default)", spread("embedded"),
        f"≥ {TARGET_EMBEDDED_DOCS_S:.0f} docs/s", emb >= TARGET_EMBEDDED_DOCS_S)
    row("  ÷ target", f"{emb / TARGET_EMBEDDED_DOCS_S:.2f}×")
    for jobs in (1, 8):
        rate = median_rate(runs[f"embedded_j{jobs}"])
        row(f"embedded, --jobs {jobs}", spread(f"embedded_j{jobs}"), f"≥ {TARGET_EMBEDDED_DOCS_S:.0f} docs/s",
            rate >= TARGET_EMBEDDED_DOCS_S)
    remote = median_rate(runs["remote"])
    row(f"remote, CLI process, --jobs {DEFAULT_JOBS}", spread("remote"))
    row("remote, raw httpx sequential (in-process)", spread("httpx_seq"))
    row(f"remote, raw httpx {DEFAULT_JOBS} threads (in-process)", spread("httpx_par"))
    seq, par = median_rate(runs["httpx_seq"]), median_rate(runs["httpx_par"])
    row("CLI remote ÷ raw httpx sequential", f"{remote / seq:.2f}×", f"≥ {TARGET_VS_HTTPX}×",
        remote / seq >= TARGET_VS_HTTPX)
    row(f"CLI remote ÷ raw httpx {DEFAULT_JOBS} threads (same parallelism)", f"{remote / par:.2f}×",
        f"≥ {TARGET_VS_HTTPX}×", remote / par >= TARGET_VS_HTTPX)
    if "server_clients" in runs:
        rate = median_rate(runs["server_clients"])
        row(f"server, {args.clients} client processes (raw httpx, sequential each)", spread("server_clients"),
            f"≥ {TARGET_SERVER_DOCS_S:.0f} docs/s", rate >= TARGET_SERVER_DOCS_S)
    if "curl" in runs:
        curl = median_rate(runs["curl"])
        row(f"remote, curl loop (rate on {curl_count} files)", spread("curl"))
        row(f"  ≈ time for {args.files} files (extrapolated)", f"{args.files / curl:.0f} s")
        row("CLI remote ÷ curl loop", f"{remote / curl:.1f}×", f"≥ {TARGET_VS_CURL:.0f}×",
            remote / curl >= TARGET_VS_CURL)
    memory = {}
    for mode in ("embedded", "remote") if not args.throughput_only else ():
        small_rss = runs[f"{mode}_small"][0].maxrss_mb
        bulk_rss = max(r.maxrss_mb for r in runs[mode])
        big_rss = runs[f"{mode}_big"][0].maxrss_mb
        for value, label in ((small_rss, f"{small_count} × {args.size:,} B"), (bulk_rss, f"{args.files} × "
                             f"{args.size:,} B (max of {len(runs[mode])})"), (big_rss, f"1 × {BIG_BYTES:,} B")):
            row(f"peak RSS, {mode}, {label}", f"{value:.1f} MB", f"≤ {TARGET_RSS_MB:.0f} MB", value <= TARGET_RSS_MB)
        per_file_kb = (bulk_rss - small_rss) * 1024 / max(1, args.files - small_count)
        files_at_target = (small_count + (TARGET_RSS_MB - small_rss) * 1024 / per_file_kb
                           if per_file_kb > 0 else None)
        row(f"  {mode}: growth with the number of files", f"{per_file_kb:+.1f} KB per file" +
            (f" (≈ {files_at_target:,.0f} files to reach {TARGET_RSS_MB:.0f} MB)" if files_at_target else ""))
        row(f"  {mode}: one 5 MB file vs {small_count} small", f"{big_rss - small_rss:+.1f} MB")
        memory[mode] = {"small_mb": small_rss, "bulk_mb": bulk_rss, "big_mb": big_rss,
                        "per_file_kb": per_file_kb, "files_at_target": files_at_target}
        for jobs in (DEFAULT_JOBS, 8) if args.big_files else ():
            value = runs[f"{mode}_bigs_j{jobs}"][0].maxrss_mb
            row(f"peak RSS, {mode}, {args.big_files} × {BIG_BYTES:,} B, --jobs {jobs}", f"{value:.1f} MB",
                f"≤ {TARGET_RSS_MB:.0f} MB", value <= TARGET_RSS_MB)
            memory[mode][f"bigs_j{jobs}_mb"] = value
    for mode in ("embedded", "remote"):
        if f"{mode}_many" not in runs:
            continue
        r = runs[f"{mode}_many"][0]
        row(f"peak RSS, {mode}, {args.many_files} × {args.size:,} B", f"{r.maxrss_mb:.1f} MB",
            f"≤ {TARGET_RSS_MB:.0f} MB", r.maxrss_mb <= TARGET_RSS_MB)
        slope = (r.maxrss_mb - memory[mode]["small_mb"]) * 1024 / max(1, args.many_files - small_count)
        row(f"  {mode}: growth, {args.many_files} vs {small_count} files", f"{slope:+.1f} KB per file")
        memory[mode]["many_mb"], memory[mode]["many_per_file_kb"] = r.maxrss_mb, slope
    if listing:
        few_med, many_med = statistics.median(listing["few_s"]), statistics.median(listing["many_s"])
        row(f"docs list --limit 50, {listing['few_docs']:,} documents", f"{few_med * 1000:.0f} ms")
        row(f"docs list --limit 50, {listing['many_docs']:,} documents", f"{many_med * 1000:.0f} ms "
            f"({many_med / few_med:.2f}×)", f"≤ {TARGET_LIST_RATIO}×", many_med / few_med <= TARGET_LIST_RATIO)

    load_after = os.getloadavg()
    say(f"\nSummary (medians of {args.repeat} round(s), range in brackets)")
    print_rows(rows, 14)
    for key, results in runs.items():
        for r in results:
            if r.note:
                say(f"  ! {r.name}: {r.note}")
    say(f"\n(total {time.perf_counter() - began:.0f} s; {os.cpu_count()} CPUs; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after)")

    if args.json:
        write_figures(args.json, args, load_before, load_after,
                      runs={k: [asdict(r) for r in v] for k, v in runs.items()}, memory=memory, listing=listing,
                      summary=rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
