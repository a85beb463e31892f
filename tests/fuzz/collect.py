"""Long fuzzing runs that collect every distinct failure instead of stopping at the first.

pytest stops at (and shrinks) one failure; a long run should instead report each distinct
defect once, with the shortest program that shows it. This runs the fuzzers' checks under
Hypothesis with random seeds, buckets failures by signature (the kind of disagreement and the
statement with its values abstracted) and rewrites a JSON report as it goes:

    timeout 1500 python -m tests.fuzz.collect forward --seconds 1400 --out /tmp/fwd.json
    timeout 1500 python -m tests.fuzz.collect derivative --seconds 1400 --out /tmp/drv.json

Each bucket keeps its count and its shortest program, ready to minimize by hand.
"""

from __future__ import annotations

import argparse
import json
import time
import traceback

from hypothesis import HealthCheck, given, settings


def _signature_of(exc: BaseException) -> str:
    sig = getattr(exc, "signature", None)
    if sig is not None:
        return sig
    tb = traceback.extract_tb(exc.__traceback__)
    frame = tb[-1] if tb else None
    where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else "?"
    return f"crash {type(exc).__name__} at {where}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fuzzer", choices=["forward", "derivative"])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--examples", type=int, default=10**7)
    parser.add_argument("--max-steps", type=int, default=10)
    parser.add_argument("--out", default="fuzz-report.json")
    args = parser.parse_args(argv)

    if args.fuzzer == "forward":
        from tests.fuzz.programs import forward_programs as strategy
        from tests.fuzz.test_differential import check_program as check
    else:
        from tests.fuzz.programs import derivative_programs as strategy
        from tests.fuzz.test_derivatives import check_program as check

    report: dict[str, dict] = {}
    stats = {"examples": 0, "failures": 0}
    start = last_write = time.monotonic()

    def write() -> None:
        elapsed = time.monotonic() - start
        with open(args.out, "w") as f:
            json.dump({"stats": {**stats, "seconds": round(elapsed)}, "buckets": report}, f,
                      indent=1)

    class Done(Exception):
        pass

    @settings(max_examples=args.examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(strategy(max_steps=args.max_steps))
    def run(program):
        nonlocal last_write
        if time.monotonic() - start > args.seconds:
            raise Done
        stats["examples"] += 1
        try:
            check(program)
        except Exception as exc:  # noqa: BLE001 - every failure is a finding
            stats["failures"] += 1
            sig = _signature_of(exc)
            src = str(exc) if hasattr(exc, "signature") else (
                program.source() + "\n" + "".join(traceback.format_exception(exc))[-3000:])
            bucket = report.setdefault(sig, {"count": 0, "size": 10**9, "example": ""})
            bucket["count"] += 1
            size = len(program.lines) * 1000 + len(program.source())
            if size < bucket["size"]:
                bucket["size"], bucket["example"] = size, src
        if time.monotonic() - last_write > 30:
            last_write = time.monotonic()
            write()

    try:
        run()
    except Exception as exc:  # noqa: BLE001 - the time limit, maybe grouped by Hypothesis
        # Hypothesis treats Done as a failure and may report several as an exception group.
        if not all(isinstance(e, Done) for e in getattr(exc, "exceptions", (exc,))):
            raise
    write()
    print(json.dumps(stats), len(report), "distinct failures")


if __name__ == "__main__":
    main()
