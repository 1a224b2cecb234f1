"""Issuing and verifying licences, each beside pyHanko on the same PDF in the same run.

Run: .venv/bin/python bench/documents.py [--rounds N] [--seconds S]

1. Issuing a licence as the service does (Issuer.issue: the signer's authorisation, validation, render,
   PAdES B-B signature, the XML twin with its XMLDSig, the registry transaction) vs pyHanko's SimpleSigner +
   sign_pdf signing the same document already rendered: the issue's reference path.
2. Offline verification of an issued B-LT licence (coverage, the strict change analysis and pyHanko's, CMS,
   timestamp, chain, embedded revocation, the full report) vs pyHanko's validate_pdf_signature alone on
   the same file (its coverage, difference analysis, CMS and chain to the anchors; no revocation).

Each ratio is pyHanko's seconds per call over eds's: how many times faster eds does its whole job than
pyHanko does its part (the issue's goals: >= 5x for issuing, >= 2x for verifying). pyHanko runs in a
process of its own (bench/pyhanko_reference.py) that never imports eds, so it is pyHanko as it ships: eds
reads a signature's hex /Contents through its own faster reader (eds.signatures.pdf_reading), installed in
pyHanko's module when eds's PDF code is imported. The two sides alternate for ROUNDS rounds of SECONDS each
(the machine has two shared cores: a busy moment falls on both); the figures are the medians, and the
per-round ratios are shown as well.

3. For information, the same verification through the command line (`eds verify licence.pdf --offline`),
   the whole process, median of five runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eds.issuing import documents
from eds.issuing.documents.examples import EXAMPLES
from eds.issuing.issuer import Issuer, IssuingOptions, with_proven_blocks
from eds.issuing.keystore import load_keys
from eds.issuing.registry import Registry
from eds.pki.revocation import Policy
from eds.pki.trust import load_profile
from eds.validation.signer_check import SignerChecker
from eds.validation.verify import DocumentVerifier
from test_pki import demo, services
from timing import per_call, rounds

BENCH = Path(__file__).resolve().parent


class Reference:
    """bench/pyhanko_reference.py as a subprocess: pyHanko alone, timed there."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, str(BENCH / "pyhanko_reference.py")], cwd=BENCH,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def measure(self, task: dict, seconds: float) -> float:
        self.process.stdin.write(json.dumps({**task, "seconds": seconds}) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError("the pyHanko reference process stopped")
        return json.loads(answer)["seconds"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def report(what: str, eds_label: str, reference_label: str, times: dict[str, list[float]], goal: float) -> None:
    eds_s, reference_s = statistics.median(times["eds"]), statistics.median(times["pyhanko"])
    per_round = sorted(r / e for e, r in zip(times["eds"], times["pyhanko"]))
    print(f"{what}")
    print(f"  eds     {eds_label:58s} {eds_s * 1e3:7.2f} ms  (rounds {_spread(times['eds'])})")
    print(f"  pyHanko {reference_label:58s} {reference_s * 1e3:7.2f} ms  (rounds {_spread(times['pyhanko'])})")
    print(f"  ratio pyHanko/eds: {reference_s / eds_s:.2f}x (medians; per round {per_round[0]:.2f}-"
          f"{per_round[-1]:.2f}x; goal >= {goal:g}x)")


def _spread(values: list[float]) -> str:
    return f"{min(values) * 1e3:.2f}-{max(values) * 1e3:.2f} ms"


def cli_verify(pdf: Path, pki: Path, runs: int = 5) -> float:
    """Median wall seconds of `eds verify PDF --offline` as a fresh process."""
    eds = Path(sys.executable).with_name("eds")
    command = [str(eds), "verify", str(pdf), "--offline", "--trust", str(pki)]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    reference = Reference()
    with services.temporary() as (pki, _server), tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        registry = Registry.open(f"sqlite:///{home / 'registry.db'}")
        demo.bootstrap(home, pki, registry)
        keys = load_keys(home / "keys.json")
        profile = load_profile(pki)
        checker = SignerChecker(profile)
        data = EXAMPLES["tv_radio_licence"]
        key = keys.get("official_ministry")

        # 1. issuing (B-B: no TSA or OCSP round trip, as pyHanko's SimpleSigner makes none)
        issuer_b_b = Issuer(registry, checker, keys, IssuingOptions(timestamp_url=None, long_term=False))

        def eds_issue() -> None:
            issuer_b_b.issue("tv_radio_licence", data, provider_id="MCI", key_id="official_ministry", actor="bench")

        authority = issuer_b_b.authorise("MCI", "tv_radio_licence", data, key)
        validated = documents.validate("tv_radio_licence", with_proven_blocks(
            authority, key.certificate, "tv_radio_licence", data, from_request=True))
        rendered = home / "rendered.pdf"
        rendered.write_bytes(documents.render_pdf(validated, number="X", issued_at=dt.date.today(),
                                                  verify_url="http://127.0.0.1:8000/verify/X"))
        sign_task = {"task": "sign", "pdf": str(rendered), "p12": str(pki / "users/official_ministry.p12"),
                     "passphrase": "Qwerty12"}
        eds_issue()
        reference.measure(sign_task, 0.2)  # warm-up of both sides
        times = rounds({"eds": lambda s: per_call(eds_issue, s), "pyhanko": lambda s: reference.measure(sign_task, s)},
                       rounds=args.rounds, seconds=args.seconds)
        report("1. issue a licence", "Issuer.issue (authorise, render, PAdES B-B, XML twin, registry)",
               "SimpleSigner + sign_pdf of the rendered PDF (signing only)", times, 5)

        # 2. offline verification of a B-LT licence
        issuer_b_lt = Issuer(registry, checker, keys, IssuingOptions(timestamp_url=profile.tsa_url))
        document = issuer_b_lt.issue("tv_radio_licence", data, provider_id="MCI", key_id="official_ministry",
                                     actor="bench")
        issued = registry.file(document.number, "pdf")
        licence = home / "licence.pdf"
        licence.write_bytes(issued)
        offline = DocumentVerifier(SignerChecker(profile, policy=Policy.OFFLINE))
        assert offline.verify(issued).passed
        verify_task = {"task": "validate", "pdf": str(licence), "anchors": str(pki / "anchors")}
        reference.measure(verify_task, 0.2)
        times = rounds({"eds": lambda s: per_call(lambda: offline.verify(issued), s),
                        "pyhanko": lambda s: reference.measure(verify_task, s)},
                       rounds=args.rounds, seconds=args.seconds)
        report("2. offline verification of an issued B-LT licence", "DocumentVerifier.verify (full report)",
               "validate_pdf_signature alone", times, 2)

        # 3. the same through the command line, for information
        print("3. `eds verify licence.pdf --offline`, the whole process (median of 5): "
              f"{cli_verify(licence, pki) * 1e3:.0f} ms")
    reference.close()


if __name__ == "__main__":
    main()
