"""Cold start of `eds verify one.xml`: a new process verifying one signed XML request, start to exit.

Run: .venv/bin/python bench/coldstart.py [--runs N]

The request and the test PKI are those of bench/requests.py (the NCA-like request signed by the test PKI's
RSA signing key); the command is ``eds verify request.xml --trust PKI --offline --crl nca_rsa_test.crl --crl
root_rsa_test.crl``, run N times (default 11), and the figure is the median wall time (goal <= 0.35 s).

eds's own modules are compiled to bytecode first (``python -m compileall eds``), as an install leaves them
(pip compiles what it installs): this checkout's shell sets PYTHONDONTWRITEBYTECODE, so without that step every
run would compile eds from source again, which no installed eds does. The same median without the bytecode is
shown for information, with an empty interpreter's start (``python -c pass``) and where the time goes: each
top-level import's share from ``python -X importtime`` (one run), the modules of the stacks an XML check must not
load (pyHanko, GOST, SQLAlchemy, Jinja2) if any were.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _bench_requests():
    """bench/requests.py (its corpus and command), loaded under its own name: not the PyPI ``requests``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_requests", Path(__file__).with_name("requests.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_requests = _bench_requests()
EDS, ROOT, make_corpus, verify_command = _requests.EDS, _requests.ROOT, _requests.make_corpus, _requests.verify_command

PYTHON = Path(sys.executable)
MUST_NOT_LOAD = ("pyhanko", "eds.pki.gost", "sqlalchemy", "jinja2", "eds.signatures.cms")


def wall(command: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return seconds


def median_of(command: list[str], runs: int, env: dict | None = None) -> float:
    wall(command, env)  # the page cache, once
    return statistics.median(wall(command, env) for _ in range(runs))


# Packages whose import is reported on its own: each one's cumulative time where it was first imported.
PACKAGES = ("numpy", "pyhanko_certvalidator", "cryptography", "asn1crypto", "lxml", "asyncio", "http.client")


def import_profile(command: list[str]) -> tuple[list[tuple[str, float]], list[str], float]:
    """(the packages of PACKAGES and eds's own modules with their ms, largest first; the forbidden packages
    loaded; all imports together in ms) from one run under ``python -X importtime``."""
    done = subprocess.run([str(PYTHON), "-X", "importtime", *command], capture_output=True, text=True)
    shares: dict[str, float] = {}
    loaded: set[str] = set()
    total = own = 0.0
    ancestors: list[tuple[int, str]] = []

    def family(name: str) -> str | None:
        return next((p for p in PACKAGES if name == p or name.startswith(p + ".")), None)

    rows = [re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line) for line in done.stderr.splitlines()]
    for found in reversed([r for r in rows if r]):  # parents before their children
        self_us, cumulative, indent, name = int(found.group(1)), int(found.group(2)), len(found.group(3)), \
            found.group(4)
        while ancestors and ancestors[-1][0] >= indent:
            ancestors.pop()
        loaded.update(m for m in MUST_NOT_LOAD if name == m or name.startswith(m + "."))
        if indent == 1:
            total += cumulative / 1000
        root = family(name)
        if root is not None and all(family(a) != root for _, a in ancestors):  # the package's outermost imports
            shares[root] = shares.get(root, 0.0) + cumulative / 1000
        if name == "eds" or name.startswith("eds."):
            own += self_us / 1000
        ancestors.append((indent, name))
    shares["eds's own modules (their own time)"] = own
    return sorted(shares.items(), key=lambda t: -t[1]), sorted(loaded), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = make_corpus(Path(tmp), 0)
        command = verify_command(corpus, corpus["one"] / "request.xml")
        command = [c for c in command if c not in ("--jobs", "1")]
        cache = ROOT / "eds" / "__pycache__"
        had_cache = cache.exists()
        subprocess.run([str(PYTHON), "-m", "compileall", "-q", str(ROOT / "eds")], check=True,
                       stdout=subprocess.DEVNULL)
        compiled = median_of(command, args.runs)
        empty = median_of([str(PYTHON), "-c", "pass"], args.runs)
        tops, forbidden, imports_ms = import_profile([str(EDS), *command[1:]])
        shutil.rmtree(cache, ignore_errors=True)
        for folder in (ROOT / "eds").rglob("__pycache__"):
            shutil.rmtree(folder, ignore_errors=True)
        source = median_of(command, max(3, args.runs // 2), {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        if had_cache:  # leave the checkout as it was found
            subprocess.run([str(PYTHON), "-m", "compileall", "-q", str(ROOT / "eds")], stdout=subprocess.DEVNULL)
    print(f"`eds verify request.xml --offline --crl x2` cold start, median of {args.runs}: {compiled:.3f} s "
          f"(goal <= 0.35 s)")
    print(f"  without eds's bytecode (compiled from source each run): {source:.3f} s")
    print(f"  of which an empty interpreter (`python -c pass`): {empty:.3f} s")
    print(f"  imports under -X importtime (which slows them): {imports_ms:.0f} ms; packages (one may hold another:"
          " asyncio is imported within pyhanko_certvalidator):")
    for name, ms in tops:
        print(f"    {ms:6.1f} ms  {name}")
    print(f"  stacks an XML check must not load, loaded: {', '.join(forbidden) or 'none'}")


if __name__ == "__main__":
    sys.exit(main())
