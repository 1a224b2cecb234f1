"""Run every fuzzing harness for a bounded time and report executions and crashes.

    .venv/bin/python fuzz/run.py [--seconds 20] [--runs N] [--target xml ...] [--jobs 2] [--pki DIR] [--work DIR]

``--seconds`` is the time each target fuzzes (``--runs`` stops it after N inputs first: quick CI runs). A test PKI is generated into the work folder (or ``--pki`` is
used), the seeds are signed with it, and each target runs ``fuzz/harness.py`` in its own process (libFuzzer
runs once per process), ``--jobs`` at a time. Inputs that crash a target are kept in ``fuzz/crashes/TARGET/``
(``--crashes``); they are replayed by tests/test_fuzz.py. Exit status 1 when anything crashed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from fuzz.targets import TARGETS, make_seeds  # noqa: E402

CRASHES = HERE / "crashes"


@dataclass(frozen=True)
class Outcome:
    target: str
    executions: int
    crashes: tuple[Path, ...]
    seconds: float
    exit_code: int


def prepare(work: Path, pki: Path | None) -> None:
    """The test PKI (generated unless given) and the seed corpus of every target, in ``work``."""
    from test_pki import generator

    if pki is None:
        generator.generate(work / "pki")
    else:
        shutil.copytree(pki, work / "pki")
    make_seeds(work / "pki").save(work / "seeds")


def fuzz(target: str, work: Path, seconds: int, runs: int | None, crashes: Path) -> Outcome:
    """Run one harness for ``seconds`` (or ``runs`` inputs); collect what it saved as crashing inputs."""
    found = crashes / target
    scratch = work / "artifacts" / target
    scratch.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus" / target
    shutil.copytree(work / "seeds" / target, corpus, dirs_exist_ok=True)
    command = [sys.executable, str(HERE / "harness.py"), target, str(work), f"-max_total_time={seconds}",
               "-timeout=20", "-rss_limit_mb=3072", "-print_final_stats=1", f"-artifact_prefix={scratch}/",
               *([f"-runs={runs}"] if runs else []), str(corpus)]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 300, check=False)
    elapsed = time.monotonic() - started
    runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", result.stderr)
    saved = []
    for artifact in sorted(scratch.iterdir()):
        found.mkdir(parents=True, exist_ok=True)
        destination = found / artifact.name
        shutil.move(str(artifact), destination)
        saved.append(destination)
    if result.returncode != 0 and not saved:
        (work / f"{target}.log").write_text(result.stderr, encoding="utf-8")
    return Outcome(target, int(runs[-1]) if runs else 0, tuple(saved), elapsed, result.returncode)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="time per target (default 20)")
    parser.add_argument("--runs", type=int, help="stop each target after this many inputs")
    parser.add_argument("--target", action="append", choices=TARGETS, help="only these targets (repeatable)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--pki", type=Path, help="use this generated test PKI instead of making one")
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one, removed after)")
    parser.add_argument("--crashes", type=Path, default=CRASHES, help="where crashing inputs are kept")
    args = parser.parse_args(argv)
    targets = args.target or list(TARGETS)
    work = args.work or Path(tempfile.mkdtemp(prefix="eds-fuzz-"))
    try:
        prepare(work, args.pki)
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            outcomes = list(pool.map(lambda t: fuzz(t, work, args.seconds, args.runs, args.crashes), targets))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{'target':<12} {'executions':>11} {'crashes':>8} {'seconds':>8}")
    for outcome in outcomes:
        print(f"{outcome.target:<12} {outcome.executions:>11} {len(outcome.crashes):>8} {outcome.seconds:>8.1f}")
        for crash in outcome.crashes:
            print(f"  crash input kept: {crash}")
    failed = [o for o in outcomes if o.crashes or o.exit_code != 0 or o.executions == 0]
    print(f"total: {sum(o.executions for o in outcomes)} executions, "
          f"{sum(len(o.crashes) for o in outcomes)} crashes")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
