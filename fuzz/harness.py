"""One atheris (libFuzzer) harness per target: ``python fuzz/harness.py TARGET WORK [libFuzzer options] [CORPUS]``.

WORK is a folder made by ``fuzz/run.py`` (the test PKI and the seeds). The project's own modules are
instrumented for coverage; the oracle of ``fuzz/targets.py`` decides what a crash is, and libFuzzer saves any
input that makes it fail.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports(include=["eds"]):
    from fuzz.targets import TARGETS, oracles_for


def main() -> None:
    if len(sys.argv) < 3 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: harness.py {{{','.join(TARGETS)}}} WORK [libFuzzer options] [CORPUS]")
    target, work = sys.argv[1], Path(sys.argv[2])
    check = getattr(oracles_for(work), target)
    atheris.Setup([sys.argv[0], *sys.argv[3:]], check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
