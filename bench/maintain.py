"""Benchmark of archive maintenance (PAdES B-LTA): the time of `eds registry maintain` per document, and what each
renewal adds to a licence's size and to its offline verification.

Run: .venv/bin/python bench/maintain.py [--documents N] [--renewals K]

A test PKI of its own with a TSA living a year and one living eight (test_pki.archive), its services on loopback,
a registry with the demo providers. N licences are issued B-LT with the short TSA (the issuing time per
document is the other side of the ratio); one maintenance pass then renews them all with the long TSA (each:
read, find the protecting timestamp, check the evidence it has, a document timestamp, its TSA's evidence, the
registry transaction), and a second pass finds nothing due (the cost of looking). Then one licence is renewed K
times over: its size and its offline verification time after each renewal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import per_call  # noqa: E402

from eds.issuing import archive  # noqa: E402
from eds.issuing.documents.examples import EXAMPLES  # noqa: E402
from eds.pki.revocation import Policy  # noqa: E402
from eds.validation.signer_check import SignerChecker  # noqa: E402
from eds.validation.verify import DocumentVerifier  # noqa: E402
from test_pki import archive as pki_archive, demo, generator, services  # noqa: E402


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--renewals", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        base = f"http://127.0.0.1:{_port()}"
        pki = root / "pki"
        generator.generate(pki, base_url=base)
        pki_archive.add_tsa(pki, "tsa_short", days=365, ca_days=730)
        pki_archive.add_tsa(pki, "tsa_long", days=8 * 365, issuer="ca_ec", key="ec")
        server = services.start(pki, port=int(base.rsplit(":", 1)[1]))
        try:
            run(root, pki, base, args)
        finally:
            server.shutdown()
            server.server_close()


def run(root: Path, pki: Path, base: str, args: argparse.Namespace) -> None:
    from eds.service import Settings

    home = root / "home"
    home.mkdir()
    service = Settings.from_env({"EDS_HOME": str(home), "EDS_TRUST": str(pki), "EDS_TSA_URL": f"{base}/tsp/tsa_short/",
                                 "EDS_LONG_TERM": "1"}).services()
    demo.bootstrap(home, pki, service.registry)
    provider, key = demo.issuer_of("scrap_metal_licence")
    issue_times, numbers = [], []
    for _ in range(args.documents):
        started = time.perf_counter()
        document = service.issuer.issue("scrap_metal_licence", EXAMPLES["scrap_metal_licence"], provider_id=provider,
                                        key_id=key, actor="bench")
        issue_times.append(time.perf_counter() - started)
        numbers.append(document.number)
    maintainer = service.maintainer(f"{base}/tsp/tsa_long/")
    before = dt.timedelta(days=400)
    started = time.perf_counter()
    outcomes = maintainer.run(before, numbers=numbers)
    renew_pass = time.perf_counter() - started
    assert [o.action for o in outcomes] == ["renewed"] * len(numbers), [o.to_dict() for o in outcomes]
    started = time.perf_counter()
    again = maintainer.run(before, numbers=numbers)
    idle_pass = time.perf_counter() - started
    assert {o.action for o in again} == {"not_due"}
    assert service.registry.verify_journal().ok

    issue_each = statistics.median(issue_times)
    renew_each = statistics.median(o.seconds for o in outcomes)
    growth = [o.size_after - o.size_before for o in outcomes]
    print(f"{len(numbers)} licences (B-LT, one page), SQLite registry, test PKI services on loopback\n")
    print(f"{'':42}{'seconds':>10}")
    print(f"{'issue one licence (B-LT), median':42}{issue_each:>10.3f}")
    print(f"{'maintain: renew one licence, median':42}{renew_each:>10.3f}")
    print(f"{'maintain: renewing pass, per licence':42}{renew_pass / len(numbers):>10.3f}")
    print(f"{'maintain: pass with nothing due, per licence':42}{idle_pass / len(numbers):>10.3f}")
    print(f"renewal / issuing: {renew_each / issue_each:.2f}")
    print(f"first renewal adds {statistics.median(growth)} bytes (median; min {min(growth)}, max {max(growth)})\n")

    checker = SignerChecker(service.profile)
    offline = DocumentVerifier(SignerChecker(service.profile, policy=Policy.OFFLINE))
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3 * 365)
    renewed = service.registry.file(numbers[0], "pdf")
    issued = renewed[:service.registry.file_renewals(numbers[0])[0].previous.size]  # the earlier version: a prefix
    print(f"{'renewals':>8}{'bytes':>9}{'added':>8}{'verify offline, s':>19}{'3 years on':>15}")
    versions = [issued, renewed]
    while len(versions) <= args.renewals:
        versions.append(archive.renew(versions[-1], checker, f"{base}/tsp/tsa_long/")[0])
    times = []
    for count, pdf in enumerate(versions):
        times.append(per_call(lambda data=pdf: offline.verify(data), 1.0))
        verdict = offline.verify(pdf, at=later).indication.value
        added = len(pdf) - len(versions[count - 1]) if count else 0
        print(f"{count:>8}{len(pdf):>9}{added:>8}{times[-1]:>19.3f}{verdict:>15}")
    added = [len(b) - len(a) for a, b in zip(versions, versions[1:])]
    print(f"\nper renewal: {statistics.median(added)} bytes added (median), {len(versions[-1]) / len(issued):.2f}x the "
          f"issued size after {args.renewals}; offline verification {times[-1] / times[0]:.2f}x the B-LT licence's")


if __name__ == "__main__":
    main()
