"""Whole-process start-up time of `mes`, against a `python -c "import typer, httpx"` baseline.

Run:  python bench/startup.py [--runs N] [--warmup N] [--json FILE]

Every figure is wall time of one whole process (time.perf_counter around
subprocess.run): interpreter start, imports, the command, exit. The commands are
run round-robin (one of each per round) so that drift in machine load spreads
over all of them alike. A benchmark reports; it does not assert: targets are
printed with PASS/FAIL and the exit status is 0 unless the set-up fails.

Measured (targets: issue 17, as ratios of the baseline's median):
  baseline          python -c "import typer, httpx"  (the floor any typer+httpx CLI pays)
  --help            mes --help, and mes docs list --help                          ≤ 1.1×
  whoami            mes whoami on the embedded server, after a real activation     ≤ 1.4×
  docs list         mes docs list --limit 50 on the embedded server (60 documents) ≤ 1.5×
  remote reads      mes whoami and mes docs list --limit 50 against `mes server run` ≤ 1.15×
  --version         mes --version

Bytecode: an installed `mes` runs from cached .pyc files. Where PYTHONDONTWRITEBYTECODE
is set and the project is an editable install (as in a dev container), every run
would recompile the project's sources (~55 modules) while typer and httpx load from
their .pyc, which measures the set-up rather than `mes`. So by default the timed
processes get PYTHONPYCACHEPREFIX=<temp dir> and no PYTHONDONTWRITEBYTECODE: the
warm-ups fill that cache, nothing is written into the source tree. --as-is keeps
the environment's bytecode settings instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PYTHON = sys.executable
MES = str(Path(sys.executable).parent / "mes")
IDENTIFIER = "bench.startup"
PASSWORD = "Bench-Startup-42!xZ"


@dataclass
class Case:
    name: str
    argv: list[str]
    target: float | None = None  # maximum ratio of its median to the baseline's median
    env: dict[str, str] | None = None  # None: the embedded server's environment
    samples: list[float] = field(default_factory=list)  # seconds


def _env(home: Path, as_is: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MES_") and k != "CI"}
    env.update(MES_HOME=str(home / "mes"), MES_API_URL="local")
    if not as_is:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
    return env


def _mes(env: dict[str, str], *args: str, stdin: str = "") -> str:
    proc = subprocess.run([MES, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120)
    if proc.returncode != 0:
        sys.exit(f"set-up failed: mes {' '.join(args)} exited {proc.returncode}\n{proc.stderr}")
    return proc.stdout


def set_up(env: dict[str, str], documents: Path) -> None:
    """A server with one activated person who is logged in (as `mes demo` does it) and has the documents
    of the folder ``documents``."""
    persons = json.loads(_mes(env, "server", "seed", "--demo", "--format", "json"))
    p = next(p for p in persons if p.get("email") and p.get("card_serial"))
    letter = json.loads(_mes(env, "outbox", "--to", p["nir"], "--last", "--format", "json"))
    _mes(env, "activate", "--code", letter["code"], "--nir", p["nir"], "--serial", p["card_serial"],
         "--birth-date", p["birth_date"], "--identifier", IDENTIFIER, "--password-stdin", "--accept-terms",
         stdin=PASSWORD + "\n")
    _mes(env, "login", "--identifier", IDENTIFIER, "--password-stdin", "--channel", "email",
         stdin=PASSWORD + "\n")
    mail = json.loads(_mes(env, "outbox", "--to", p["email"], "--last", "--format", "json"))
    _mes(env, "login", "--code", mail["code"])
    _mes(env, "whoami", "--format", "json")  # the session works
    _mes(env, "docs", "upload", str(documents), "--recursive", "--quiet")


def write_documents(folder: Path, count: int = 60) -> Path:
    """``count`` small distinct text documents (the listing reads metadata only: their size does not matter)."""
    folder.mkdir(parents=True)
    for number in range(count):
        (folder / f"compte-rendu-{number:03}.txt").write_text(f"Compte rendu {number}\n", encoding="utf-8")
    return folder


def start_server(env: dict[str, str], data: Path) -> tuple[subprocess.Popen, str]:
    """`mes server run --dev` on a free port; its URL once it listens."""
    server = subprocess.Popen([MES, "server", "run", "--dev", "--port", "0", "--data-dir", str(data)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = server.stderr.readline()
        if "listening on " in line:
            return server, line.split("listening on ", 1)[1].split()[0]
        if not line and server.poll() is not None:
            break
    server.kill()
    sys.exit("set-up failed: mes server run did not start")


def time_once(case: Case, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(case.argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=env, timeout=120)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{case.name} exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
    return elapsed


def p90(samples: list[float]) -> float:
    """90th percentile, nearest-rank (an observed value, no interpolation)."""
    ordered = sorted(samples)
    rank = max(1, -(-9 * len(ordered) // 10))  # ceil(0.9 n)
    return ordered[rank - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command (default 15)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2)")
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the figures to FILE")
    parser.add_argument("--keep-home", action="store_true", help="keep the temporary MES_HOME")
    parser.add_argument("--as-is", action="store_true",
                        help="keep the environment's bytecode settings (see the module docstring)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not Path(MES).exists():
        sys.exit(f"no `mes` next to {PYTHON}: install the project in this environment first")

    home = Path(tempfile.mkdtemp(prefix="mes-bench-"))
    server = None
    try:
        env = _env(home, args.as_is)
        documents = write_documents(home / "documents")
        set_up(env, documents)
        server, url = start_server(env, home / "server-data")
        remote = {**env, "MES_HOME": str(home / "remote"), "MES_API_URL": url,
                  "MES_ADMIN_TOKEN": (home / "server-data" / "admin-token").read_text().strip()}
        set_up(remote, documents)
        cases = [
            Case("baseline", [PYTHON, "-c", "import typer, httpx"]),
            Case("mes --help", [MES, "--help"], target=1.1),
            Case("mes docs list --help", [MES, "docs", "list", "--help"], target=1.1),
            Case("mes whoami (embedded)", [MES, "whoami"], target=1.4),
            Case("mes docs list (embedded)", [MES, "docs", "list", "--limit", "50"], target=1.5),
            Case("mes whoami (remote)", [MES, "whoami"], target=1.15, env=remote),
            Case("mes docs list (remote)", [MES, "docs", "list", "--limit", "50"], target=1.15, env=remote),
            Case("mes --version", [MES, "--version"]),
        ]
        for _ in range(args.warmup):
            for case in cases:
                time_once(case, case.env or env)
        for _ in range(args.runs):
            for case in cases:
                case.samples.append(time_once(case, case.env or env))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if args.keep_home:
            print(f"MES_HOME kept: {home / 'mes'}", file=sys.stderr)
        else:
            shutil.rmtree(home, ignore_errors=True)

    base = statistics.median(cases[0].samples)
    rows = []
    for case in cases:
        median = statistics.median(case.samples)
        ratio = median / base
        verdict = None if case.target is None else ("PASS" if ratio <= case.target else "FAIL")
        rows.append({
            "command": case.name, "argv": [Path(a).name if i == 0 else a for i, a in enumerate(case.argv)],
            "median_ms": round(median * 1000, 1), "p90_ms": round(p90(case.samples) * 1000, 1),
            "min_ms": round(min(case.samples) * 1000, 1), "ratio": round(ratio, 2),
            "target": case.target, "verdict": verdict,
            "samples_ms": [round(s * 1000, 1) for s in case.samples],
        })

    header = f"{'command':<28}{'median ms':>10}{'p90 ms':>9}{'× base':>8}  target"
    bytecode = "as-is environment" if args.as_is else "cached .pyc (PYTHONPYCACHEPREFIX)"
    print(f"{args.runs} runs after {args.warmup} warm-ups · Python {platform.python_version()} · "
          f"{os.cpu_count()} CPU(s) · {platform.platform(terse=True)} · bytecode: {bytecode}")
    print(header)
    print("-" * len(header) + "-" * 8)
    for r in rows:
        target = "" if r["target"] is None else f"≤ {r['target']}×  {r['verdict']}"
        print(f"{r['command']:<28}{r['median_ms']:>10.1f}{r['p90_ms']:>9.1f}{r['ratio']:>7.2f}×  {target}")

    if args.json:
        report = {
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(), "platform": platform.platform(),
            "cpu_count": os.cpu_count(), "bytecode": bytecode, "runs": args.runs, "warmup": args.warmup,
            "results": rows,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
