"""What `eds verify` of an XML request loads: not the PDF, GOST, registry or rendering stacks; GOST is registered
the first time a GOST signature, certificate or CRL is met (eds.pki.algorithms.on_first_use), and only then.

Each check runs the command line in a fresh interpreter (this process has everything imported already) and
reads ``sys.modules`` after it; nothing here is timed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from eds.pki import algorithms
from eds.pki.keys import SigningKey
from eds.signatures import xmldsig
from test_pki.model import read_password

# Stacks an XML request check needs none of: PDF (pyHanko), GOST, the registry (SQLAlchemy), HTML rendering
# (Jinja2), the service's wiring, the HTTP client and worker processes (an offline check with its CRLs given),
# and CMS with its timestamps.
HEAVY = ("pyhanko", "eds.pki.gost", "sqlalchemy", "jinja2", "eds.service", "eds.issuing", "reportlab",
         "http.client", "concurrent.futures.process", "eds.signatures.cms", "eds.signatures.tsp")

_PROBE = """
import json, sys
from eds import cli
status = cli.main(sys.argv[2:])
heavy = json.loads(sys.argv[1])
print(json.dumps({"status": status, "loaded": sorted(m for m in heavy if m in sys.modules)}))
"""


def _signed_request(pki_dir: Path, manifest: dict, name: str, folder: Path) -> Path:
    info = manifest["identities"][name]
    key = SigningKey.from_pkcs12((pki_dir / info["pkcs12"]).read_bytes(), read_password(pki_dir))
    document = (f"<request><service>cultural_export_certificate</service><applicant><iin>{info['iin']}</iin>"
                "</applicant></request>").encode()
    path = folder / f"{name}.xml"
    path.write_bytes(xmldsig.sign_xml(document, key.private_key, key.certificate.der))
    return path


def _verify_fresh(target: Path, pki_dir: Path, crls: list[str], *extra: str) -> dict:
    args = ["verify", str(target), "--trust", str(pki_dir), "--offline", "--json", *extra]
    for crl in crls:
        args += ["--crl", str(pki_dir / "crl" / crl)]
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(HEAVY), *args], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_verifying_an_rsa_xml_loads_no_pdf_gost_registry_or_rendering_stack(pki_dir, manifest, tmp_path):
    request = _signed_request(pki_dir, manifest, "individual_sign", tmp_path)
    found = _verify_fresh(request, pki_dir, ["nca_rsa_test.crl", "root_rsa_test.crl"])
    assert found == {"status": 0, "loaded": []}


def test_a_folder_of_rsa_xml_with_one_job_loads_none_of_them_either(pki_dir, manifest, tmp_path):
    for number in range(5):
        _signed_request(pki_dir, manifest, "individual_sign", tmp_path).rename(tmp_path / f"r{number}.xml")
    found = _verify_fresh(tmp_path, pki_dir, ["nca_rsa_test.crl", "root_rsa_test.crl"], "--jobs", "1")
    assert found == {"status": 0, "loaded": []}


def test_gost_is_registered_when_a_gost_signature_is_met(pki_dir, manifest, tmp_path):
    request = _signed_request(pki_dir, manifest, "gost_individual_sign", tmp_path)
    crls = [p.name for p in sorted((pki_dir / "crl").glob("*gost*.crl"))]
    found = _verify_fresh(request, pki_dir, crls)
    assert found["status"] == 0  # the GOST-2015 signature, its GOST chain and GOST-signed CRLs all verified
    assert "eds.pki.gost" in found["loaded"]


def test_an_installer_named_for_an_arc_runs_once_at_the_first_look_up_of_one_of_its_oids(monkeypatch):
    monkeypatch.setattr(algorithms, "_ON_FIRST_USE", {})
    monkeypatch.setattr(algorithms, "_SIGNATURES", dict(algorithms._SIGNATURES))
    calls: list[str] = []
    oid = "1.2.3.4.5.1"

    def install() -> None:
        calls.append("installed")
        algorithms.register(algorithms.SignatureAlgorithm(oid, "stand-in", "test", None, lambda *_: True))

    algorithms.on_first_use("1.2.3.4.5.", install)
    algorithms.on_first_use("1.2.3.4.5.", install)  # said again: still once
    assert calls == []  # naming it registers nothing
    assert not algorithms.is_supported("1.2.840.113549.1.1.99")  # another arc's OID does not run it
    assert calls == []
    assert algorithms.signature(oid).name == "stand-in"
    assert algorithms.is_supported(oid) and calls == ["installed"]


def test_an_installer_that_fails_is_tried_again(monkeypatch):
    monkeypatch.setattr(algorithms, "_ON_FIRST_USE", {})
    attempts: list[int] = []

    def broken() -> None:
        attempts.append(1)
        raise RuntimeError("not today")

    algorithms.on_first_use("1.2.3.4.6.", broken)
    for _ in range(2):
        with pytest.raises(RuntimeError):
            algorithms.is_supported("1.2.3.4.6.1")
    assert len(attempts) == 2


def test_the_command_line_knows_every_command_it_builds_and_parses_each_the_same_alone():
    from eds import cli

    subcommands = next(a for a in cli.build_parser()._actions if a.dest == "command")
    assert tuple(subcommands.choices) == cli.COMMANDS  # a command missing from COMMANDS would build all, slowly
    for argv in (["verify", "a.xml", "--offline", "--crl", "x.crl", "--jobs", "1"], ["cert", "c.pem", "--json"],
                 ["pki", "init", "dir"], ["registry", "show", "N-1"], ["sign", "hash", "AAAA", "--key", "k.p12"]):
        assert vars(cli.build_parser(argv).parse_args(argv)) == vars(cli.build_parser().parse_args(argv))
    assert cli._command_of(["--help", "verify"]) is None and cli._command_of(["verify", "--help"]) == "verify"
