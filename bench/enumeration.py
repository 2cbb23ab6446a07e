"""Account enumeration through recover-id, reset-password and activation: by message, status or timing.

Run:  python bench/enumeration.py [--requests 200] [--pool 25] [--boot 2000] [--json FILE] [--unpadded]

The reference server runs in-process (its WSGI app behind httpx.WSGITransport, as in
tests/support/api.py), in development mode on a temporary data directory, so that the
network adds no noise. For each endpoint, --requests calls about a person who exists and
--requests about one who does not, interleaved (random order within each pair), are sent:

  recover-id       POST /v1/identifier-recovery  {nir, birth_date, channel=email}
                   exists = an active space; absent = a valid NIR nobody has.
  reset-password   POST /v1/password-resets      {nir, card_serial, birth_date, channel=email}
                   exists = an active space (right serial and birth date); absent = as above.
  activation       POST /v1/enrolments           {nir, card_serial, birth_date, code}
                   exists = a registered, not yet activated person with the right serial and
                   birth date but a wrong provisional code (what someone who holds a Carte Vitale
                   but not the letter can send); absent = a NIR nobody has.

The rules cap these requests per NIR (30 s between two recover-id or reset requests, 5 failed
identifications per 15 minutes), so --pool people of each kind are used round-robin and the
server's clock is moved 16 minutes (POST /v1/dev/clock) after each round.

Compared: the status codes and the bodies with their random ids (request_id, reset_id)
blanked; and the latency (time.perf_counter around the call): median, p90, the difference of
medians with a bootstrap 95 % interval, and the Mann–Whitney U test (normal approximation,
two-sided p). A benchmark reports, it does not assert: the exit status is 0.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from support.api import Api, build_context  # noqa: E402
from support.people import person  # noqa: E402

from mes_cli.server.settings import Settings  # noqa: E402

WRONG_CODE = "ABCDEFGHJKMN"


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def mann_whitney(a: list[float], b: list[float]) -> tuple[float, float]:
    """U of ``a`` and the two-sided p-value (normal approximation with tie correction)."""
    pooled = sorted([(x, 0) for x in a] + [(x, 1) for x in b])
    ranks = [0.0] * len(pooled)
    i, ties = 0, 0.0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    n1, n2 = len(a), len(b)
    r1 = sum(r for r, (_, g) in zip(ranks, pooled) if g == 0)
    u = r1 - n1 * (n1 + 1) / 2
    n = n1 + n2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    z = (u - n1 * n2 / 2) / sigma if sigma else 0.0
    return u, math.erfc(abs(z) / math.sqrt(2))


def bootstrap_median_diff(a: list[float], b: list[float], rounds: int, rng: random.Random) -> tuple[float, float]:
    diffs = sorted(statistics.median(rng.choices(a, k=len(a))) - statistics.median(rng.choices(b, k=len(b)))
                   for _ in range(rounds))
    return diffs[int(0.025 * rounds)], diffs[min(rounds - 1, int(0.975 * rounds))]


def normalise(body: dict) -> str:
    """The body with its random parts blanked."""
    def walk(value):
        if isinstance(value, dict):
            return {k: ("<id>" if k in ("request_id", "reset_id") else walk(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value
    return json.dumps(walk(body), sort_keys=True, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint and kind (default 200, "
                        "at most 2000)")
    parser.add_argument("--pool", type=int, default=25, help="persons of each kind, used round-robin (default 25)")
    parser.add_argument("--boot", type=int, default=2000, help="bootstrap resamples (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the order and the bootstrap")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures and samples to FILE")
    parser.add_argument("--unpadded", action="store_true", help="measure the work itself: no minimum answer time "
                        "(a development server's default; a production server pads, Policy.uniform_answer_time)")
    args = parser.parse_args(argv)
    if not (1 <= args.requests <= 2000 and 1 <= args.pool <= 200 and 100 <= args.boot <= 20000):
        parser.error("--requests in [1, 2000], --pool in [1, 200], --boot in [100, 20000]")
    rng = random.Random(args.seed)

    root = Path(tempfile.mkdtemp(prefix="mes-bench-enum-"))
    settings = Settings(data_dir=root / "server", dev=True, uniform_answers=not args.unpadded)
    api = Api.start(settings, build_context(settings))
    try:
        t0 = time.perf_counter()
        active = [api.seed() for _ in range(args.pool)]
        for p in active:
            api.activate(p)
        pending = [api.seed() for _ in range(args.pool)]
        absent = [person() for _ in range(args.pool)]  # valid identities, never seeded
        print(f"set-up: {2 * args.pool} persons seeded ({args.pool} activated) in {time.perf_counter() - t0:.1f} s; "
              f"{args.requests} requests per endpoint and kind, pool {args.pool}, clock +16 min per round; "
              + ("no minimum answer time" if args.unpadded else
                 f"answers padded to {settings.policy.uniform_answer_time.total_seconds() * 1000:.0f} ms"),
              flush=True)

        def identity(p: dict) -> dict:
            return {"nir": p["nir"], "card_serial": p["card_serial"], "birth_date": p["birth_date"]}

        endpoints = {
            "recover-id": ("/v1/identifier-recovery", active,
                           lambda p: {"nir": p["nir"], "birth_date": p["birth_date"], "channel": "email"}),
            "reset-password": ("/v1/password-resets", active, lambda p: {**identity(p), "channel": "email"}),
            "activation": ("/v1/enrolments", pending, lambda p: {**identity(p), "code": WRONG_CODE}),
        }
        samples = {name: {"exists": [], "absent": []} for name in endpoints}
        answers = {name: {"exists": collections.Counter(), "absent": collections.Counter()} for name in endpoints}
        examples: dict[str, dict[str, str]] = {name: {} for name in endpoints}
        sent = 0
        rounds = math.ceil(args.requests / args.pool)
        for _ in range(rounds):
            for i in range(args.pool):
                if sent >= args.requests:
                    break
                for name, (path, existing, body) in endpoints.items():
                    pair = [("exists", existing[i]), ("absent", absent[i])]
                    rng.shuffle(pair)
                    for kind, p in pair:
                        payload = body(p)
                        start = time.perf_counter()
                        response = api.client.post(path, json=payload)
                        elapsed = time.perf_counter() - start
                        samples[name][kind].append(elapsed)
                        key = f"{response.status_code} {normalise(response.json())}"
                        answers[name][kind][key] += 1
                        examples[name].setdefault(kind, key)
                sent += 1
            api.advance(16 * 60)

        report = {}
        print(f"\n{'endpoint':<15} {'kind':<7} {'n':>4} {'median ms':>10} {'p90 ms':>8}  answers", flush=True)
        for name in endpoints:
            for kind in ("exists", "absent"):
                s = samples[name][kind]
                print(f"{name:<15} {kind:<7} {len(s):>4} {statistics.median(s) * 1000:>10.3f} "
                      f"{pct(s, 0.9) * 1000:>8.3f}  {len(answers[name][kind])} distinct "
                      f"(status {sorted({k.split()[0] for k in answers[name][kind]})})")
        print()
        for name in endpoints:
            a, b = samples[name]["exists"], samples[name]["absent"]
            diff = (statistics.median(a) - statistics.median(b)) * 1000
            low, high = bootstrap_median_diff(a, b, args.boot, rng)
            u, p_value = mann_whitney(a, b)
            same = set(answers[name]["exists"]) == set(answers[name]["absent"]) and len(answers[name]["exists"]) == 1
            timing = "no difference detected" if p_value >= 0.01 and low <= 0 <= high else "MEASURABLE"
            print(f"{name}: answers {'IDENTICAL' if same else 'DIFFER'}; median(exists) - median(absent) = "
                  f"{diff:+.3f} ms, bootstrap 95 % CI [{low * 1000:+.3f}, {high * 1000:+.3f}] ms; "
                  f"Mann-Whitney U = {u:.0f}, p = {p_value:.2g} -> timing {timing}")
            if not same:
                for kind in ("exists", "absent"):
                    print(f"    {kind}: {examples[name][kind][:400]}")
            report[name] = {
                "answers_identical": same, "median_diff_ms": diff, "ci_ms": [low * 1000, high * 1000],
                "mann_whitney_u": u, "p": p_value, "timing": timing,
                "exists": {"median_ms": statistics.median(a) * 1000, "p90_ms": pct(a, 0.9) * 1000,
                           "answers": dict(answers[name]["exists"])},
                "absent": {"median_ms": statistics.median(b) * 1000, "p90_ms": pct(b, 0.9) * 1000,
                           "answers": dict(answers[name]["absent"])},
            }
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M:%S"),
                                             "python": platform.python_version(), "platform": platform.platform(),
                                             "args": {k: str(v) for k, v in vars(args).items()},
                                             "endpoints": report, "samples": samples}, indent=1))
    finally:
        api.close()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
