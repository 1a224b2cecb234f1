"""Benchmark of the registry: documents issued per second from several threads, and the journal check's time.

Run: .venv/bin/python bench/registry.py [--url URL] [--documents N] [--threads T] [--series S]
Without --url it uses a fresh SQLite file; for PostgreSQL: --url "$(scripts/postgres start)" (a fresh
database is best: the figures include every earlier document in the journal check).
Issues in one series are serialised by their counter row, so --series spreads them over several types.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import tempfile
import threading
import time
from pathlib import Path

from eds.issuing.registry import LIFE_CYCLES, Draft, Registry, RegistryError, SignedFiles

CERT = b"bench signer certificate"
PDF = b"%PDF-1.7\n" + bytes(40_000)  # about the size of a one-page rendered licence


def _render(draft: Draft) -> SignedFiles:
    return SignedFiles(hashlib.sha256(CERT).hexdigest(), dt.datetime.now(dt.UTC), pdf=PDF + draft.number.encode(),
                       xml=b"<doc/>" * 500)


def _prepare(registry: Registry) -> None:
    try:
        services = [name for name, cycle in LIFE_CYCLES.items() if cycle.service_field is None]
        registry.add_provider("BENCH", name_kk="Бенч", name_ru="Бенч", bin="000740001307", place_kk="Бенч",
                              place_ru="Бенч", doc_types=services, actor="bench")
        now = dt.datetime.now(dt.UTC)
        registry.add_signer("BENCH", cert_der=CERT, iin="800101300123", name="Бенч", position_kk="бенч",
                            position_ru="бенч", doc_types=services, valid_from=now - dt.timedelta(days=1),
                            valid_to=now + dt.timedelta(days=30), actor="bench")
    except RegistryError as error:
        if error.code != "CONFLICT":
            raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--series", type=int, default=1, choices=range(1, len(LIFE_CYCLES) + 1))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.url or f"sqlite:///{Path(scratch) / 'bench.sqlite'}"
        registry = Registry.open(url)
        _prepare(registry)
        types = list(LIFE_CYCLES)[:args.series]
        each = args.documents // args.threads

        def work(index: int) -> None:
            for n in range(each):
                registry.issue(doc_type=types[(index + n) % len(types)], provider_id="BENCH",
                               holder_name="ТОО «Бенч»", holder_id="123456789012", actor="bench",
                               data={"n": n, "service": "tv_radio_licence"},  # a refusal names its service
                               render_and_sign=_render)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(args.threads)]
        started = time.perf_counter()
        [t.start() for t in threads]
        [t.join() for t in threads]
        issued = time.perf_counter() - started
        started = time.perf_counter()
        report = registry.verify_journal()
        verified = time.perf_counter() - started
        registry.close()
    total = each * args.threads
    print(f"{url.split(':')[0]}: {total} documents, {args.threads} threads, {args.series} series: "
          f"{issued:.2f} s, {total / issued:.0f} documents/s")
    print(f"verify_journal: {report.entries_checked} entries in {verified:.2f} s, ok={report.ok}")


if __name__ == "__main__":
    main()
