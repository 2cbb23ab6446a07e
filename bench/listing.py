"""`mes docs list --limit 50` with 1,000 and with 100,000 documents, embedded and remote.

Run:  python bench/listing.py [--runs N] [--small 1000] [--big 100000] [--json FILE]

Target (issue 17): at 100,000 documents each listing takes at most 1.2× its time at 1,000,
embedded (`--api-url local`) and remote (`mes server run --dev` in a subprocess). Whole
processes, timed round-robin as in bench/startup.py (whose set-up this reuses: a person
activated and logged in through the CLI, 60 documents uploaded). The person's documents are
then topped up straight in SQLite (copies of an uploaded row: same blob, new id, title and
idempotency key) to --small, timed, then to --big, timed again. A benchmark reports; it does
not assert.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import startup  # noqa: E402 - the shared set-up of the start-up bench

TARGET = 1.2


def top_up(db_path: Path, total: int) -> int:
    """Copies of the person's first document until they have ``total``; returns how many they have."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    model = dict(conn.execute("SELECT * FROM documents ORDER BY seq LIMIT 1").fetchone())
    profile = model["profile_id"]
    have = conn.execute("SELECT count(*) FROM documents WHERE profile_id = ?", (profile,)).fetchone()[0]
    columns = [c for c in model if c != "seq"]
    rows = []
    for number in range(max(0, total - have)):
        model.update(id=f"d_{secrets.token_hex(8)}", title=f"Bench row {number:06d}",
                     idempotency_key=f"bench:{secrets.token_hex(16)}")
        rows.append(tuple(model[c] for c in columns))
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(f"INSERT INTO documents({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as a running server's own checkpoints would leave it
    count = conn.execute("SELECT count(*) FROM documents WHERE profile_id = ?", (profile,)).fetchone()[0]
    conn.close()
    return count


def timed(cases: list[tuple[str, dict]], runs: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name, _env in cases}
    argv = [startup.MES, "docs", "list", "--limit", "50", "--format", "json"]
    for _ in range(2):  # warm-up
        for name, env in cases:
            startup.time_once(startup.Case(name, argv), env)
    for _ in range(runs):
        for name, env in cases:
            samples[name].append(startup.time_once(startup.Case(name, argv), env))
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=11, help="timed runs per listing (default 11)")
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the figures to FILE")
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="mes-bench-listing-"))
    server = None
    try:
        env = startup._env(home, as_is=False)
        documents = startup.write_documents(home / "documents")
        startup.set_up(env, documents)
        server, url = startup.start_server(env, home / "server-data")
        remote = {**env, "MES_HOME": str(home / "remote"), "MES_API_URL": url,
                  "MES_ADMIN_TOKEN": (home / "server-data" / "admin-token").read_text().strip()}
        startup.set_up(remote, documents)
        databases = {"embedded": home / "mes" / "server" / "mes.sqlite3", "remote": home / "server-data" / "mes.sqlite3"}
        cases = [("embedded", env), ("remote", remote)]
        results = {}
        for size in (args.small, args.big):
            started = time.perf_counter()
            counts = {name: top_up(path, size) for name, path in databases.items()}
            print(f"{size:,} documents each ({counts}) in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            results[size] = timed(cases, args.runs)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)

    rows = []
    print(f"{'mode':<10}{f'{args.small:,} docs ms':>16}{f'{args.big:,} docs ms':>18}{'ratio':>8}  target")
    for name, _env in cases:
        small, big = (statistics.median(results[size][name]) for size in (args.small, args.big))
        ratio = big / small
        verdict = "PASS" if ratio <= TARGET else "FAIL"
        print(f"{name:<10}{small * 1000:>16.1f}{big * 1000:>18.1f}{ratio:>7.2f}×  ≤ {TARGET}× {verdict}")
        rows.append({"mode": name, "small_ms": round(small * 1000, 1), "big_ms": round(big * 1000, 1),
                     "ratio": round(ratio, 3), "target": TARGET, "verdict": verdict,
                     "samples_ms": {size: [round(s * 1000, 1) for s in results[size][name]]
                                    for size in (args.small, args.big)}})
    if args.json:
        args.json.write_text(json.dumps({"runs": args.runs, "small": args.small, "big": args.big, "rows": rows},
                                        indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
