"""The disk's own rates here: the anchors for bulk upload (issue 17).

Run:  python bench/disk.py [--count 2000] [--json FILE]

- SQLite in WAL mode, one-row write transactions per second, ``synchronous=FULL`` (an fsync
  per commit) and ``NORMAL`` (the server's setting: the WAL is fsynced at checkpoints only);
- durable new files per second: write 20 KB to a temp file, fsync it, rename it into a
  directory, fsync the directory (what storing one document's bytes costs), one thread,
  then four threads at once (the fsyncs of concurrent uploads may share a journal commit).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path


def sqlite_rate(folder: Path, synchronous: str, count: int) -> float:
    conn = sqlite3.connect(folder / f"rate-{synchronous}.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, data TEXT)")
    started = time.perf_counter()
    for number in range(count):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t(data) VALUES (?)", (f"row {number}",))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return count / elapsed


def durable_files(folder: Path, count: int, threads: int) -> float:
    target = folder / f"files-{threads}"
    target.mkdir()
    data = secrets.token_bytes(20_000)

    def work(share: int) -> None:
        for _ in range(share):
            fd, name = tempfile.mkstemp(dir=folder)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(name, target / secrets.token_hex(16))
            directory = os.open(target, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)

    workers = [threading.Thread(target=work, args=(count // threads,)) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return (count // threads * threads) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="transactions or files per figure")
    parser.add_argument("--json", metavar="FILE", type=Path)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="mes-bench-disk-"))
    try:
        figures = {
            "sqlite_wal_full_tx_s": sqlite_rate(folder, "FULL", args.count),
            "sqlite_wal_normal_tx_s": sqlite_rate(folder, "NORMAL", args.count),
            "durable_files_s_1_thread": durable_files(folder, args.count, 1),
            "durable_files_s_4_threads": durable_files(folder, args.count, 4),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for name, value in figures.items():
        print(f"{name:<28}{value:>10,.0f}")
    if args.json:
        args.json.write_text(json.dumps({k: round(v) for k, v in figures.items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
