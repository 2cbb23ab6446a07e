"""A longer fuzzing run of the reference server against its own OpenAPI document (by hand, not in CI).

    /work/venv/bin/python bench/fuzz.py --examples 200 [--seed N] [--operation uploadDocument]

Same setup as tests/server/test_fuzz_openapi.py (in-process WSGI app, a logged-in person,
the admin token, the known mismatches stepped around), but with more examples per
operation and a random seed (printed, to replay a run). Prints each operation's
outcome and the findings; exits 1 when there are any.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "server"), str(ROOT / "src")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="examples per operation")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed (default: random)")
    parser.add_argument("--operation", default=None, help="only operations whose id or path contains this")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)

    from hypothesis import HealthCheck, Phase, given, seed as hseed, settings

    import test_fuzz_openapi as fuzz

    server = fuzz.start_fuzz_server(Path(tempfile.mkdtemp(prefix="mes-fuzz-")) / "data")
    print(f"seed {seed}; {args.examples} examples per operation", file=sys.stderr)
    findings: list[tuple[str, str]] = []
    started = time.perf_counter()
    for result in fuzz.SCHEMA.get_all_operations():
        operation = result.ok()
        label = operation.label
        if args.operation and args.operation not in label and args.operation != operation.definition.raw.get(
                "operationId"):
            continue
        operation.app = operation.schema.app = server.app

        @hseed(seed)
        @settings(max_examples=args.examples, deadline=None, database=None, derandomize=False,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            headers = fuzz.prepare(case, server)
            response = case.call(headers=headers)
            fuzz.after(case, server, response)
            case.validate_response(response, headers=headers, excluded_checks=fuzz.known_exclusions(case, response))

        t0 = time.perf_counter()
        try:
            run()
            print(f"ok    {label}  ({time.perf_counter() - t0:.1f} s)")
        except Exception as exc:  # noqa: BLE001 - a finding, reported and counted
            findings.append((label, str(exc)))
            print(f"FAIL  {label}  ({time.perf_counter() - t0:.1f} s)")
    server.api.close()
    print(f"\n{len(findings)} finding(s) in {time.perf_counter() - started:.0f} s (seed {seed})")
    for label, text in findings:
        print(f"\n=== {label}\n{text[:3000]}")
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
