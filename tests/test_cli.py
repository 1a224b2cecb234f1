"""The `eds` command as a user types it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eds.cli import main
from eds.validation import batch


def test_cert_passes_with_exit_zero(pki_server, pki_dir, manifest, capsys):
    iin = manifest["identities"]["individual_sign"]["iin"]
    code = main(["cert", str(pki_dir / "users/individual_sign.pem"), "--trust", str(pki_dir), "--expect-iin", iin])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("TOTAL_PASSED")
    assert "ТЕСТОВ ТЕСТ" in out and f"IIN {iin}" in out


def test_cert_json_for_a_revoked_certificate(pki_server, pki_dir, capsys):
    code = main(["cert", str(pki_dir / "users/revoked.pem"), "--trust", str(pki_dir), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["indication"] == "TOTAL_FAILED" and report["subIndication"] == "REVOKED"
    assert report["reasons"][0]["code"] == "CERT_REVOKED"
    assert report["reasons"][0]["messages"]["kk"] == "Сертификат кері қайтарып алынған (күші жойылған)"


def test_cert_offline_with_crl_files_and_at(pki_dir, capsys):
    crls = [arg for p in sorted((pki_dir / "crl").glob("*rsa*.crl")) for arg in ("--crl", str(p))]
    code = main(["cert", str(pki_dir / "users/on_hold.pem"), "--trust", str(pki_dir), "--offline", *crls, "--lang", "ru"])
    out = capsys.readouterr().out
    assert code == 1 and "Сертификат отозван" in out
    code = main(["cert", str(pki_dir / "users/individual_sign.pem"), "--trust", str(pki_dir), "--offline"])
    assert code == 3 and "REVOCATION_UNKNOWN" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["cert", "/nonexistent.pem"], "cannot read certificate"),
    (["cert", "{cert}", "--trust", "/nonexistent-profile/"], "does not exist"),
    (["cert", "{cert}", "--at", "yesterday"], "not an ISO 8601 time"),
    (["cert", "{cert}", "--crl", "{cert}", "--trust", "{pki}"], "not a usable CRL"),
])
def test_bad_input_is_one_clear_line(pki_dir, capsys, args, message):
    args = [a.format(cert=pki_dir / "users/individual_sign.pem", pki=pki_dir) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_garbage_certificate_file_is_reported_not_crashed(pki_dir, tmp_path, capsys):
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"not a certificate")
    assert main(["cert", str(bad), "--trust", str(pki_dir)]) == 1
    assert "CERT_MALFORMED" in capsys.readouterr().out


def test_trust_import_shows_and_pins(tmp_path, pki_dir, monkeypatch):
    monkeypatch.setenv("EDS_HOME", str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "eds.cli", "trust", "import", "nca",
                             str(pki_dir / "ca/root_rsa.pem"), "--yes"], capture_output=True, text=True,
                            env={**__import__("os").environ, "EDS_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "SHA-256:" in result.stdout and "1 anchor(s) pinned" in result.stdout
    profile = json.loads((tmp_path / "trust/nca/profile.json").read_text())
    assert profile["ocsp_urls"] == ["http://ocsp.pki.gov.kz/"]
    refused = subprocess.run([sys.executable, "-m", "eds.cli", "trust", "import", "nca",
                              str(pki_dir / "users/individual_sign.pem"), "--yes"], capture_output=True, text=True,
                             env={**__import__("os").environ, "EDS_HOME": str(tmp_path)})
    assert refused.returncode == 2 and "not a CA certificate" in refused.stderr


def test_nca_profile_without_anchors_says_how_to_pin(tmp_path, monkeypatch, capsys, pki_dir):
    monkeypatch.setenv("EDS_HOME", str(tmp_path))
    assert main(["cert", str(pki_dir / "users/individual_sign.pem"), "--trust", "nca"]) == 2
    assert "eds trust import nca" in capsys.readouterr().err


def test_sign_and_verify_xml_and_cms(pki_server, pki_dir, manifest, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EDS_KEY_PASSWORD", manifest["password"])
    iin = manifest["identities"]["individual_sign"]["iin"]
    request = tmp_path / "request.xml"
    request.write_text(f"<request><applicant><iin>{iin}</iin></applicant></request>")
    key = str(pki_dir / "users/individual_sign.p12")
    assert main(["sign", "xml", str(request), "--key", key]) == 0
    signed = tmp_path / "request.xml.signed.xml"
    assert main(["verify", str(signed), "--trust", str(pki_dir), "--iin-path", "applicant/iin"]) == 0
    assert "TOTAL_PASSED" in capsys.readouterr().out
    # co-sign with a second key, then check both signers are reported
    assert main(["sign", "xml", str(signed), "--key", str(pki_dir / "users/company_head.p12"),
                 "--out", str(tmp_path / "both.xml")]) == 0
    assert main(["verify", str(tmp_path / "both.xml"), "--trust", str(pki_dir), "--json",
                 "--iin-path", "applicant/iin"]) == 0
    capsys.readouterr()
    assert main(["sign", "cms", str(request), "--key", key, "--detached", "--tsa", "--trust", str(pki_dir)]) == 0
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "request.xml.p7s"), "--detached", str(request), "--trust", str(pki_dir),
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["signatures"][0]["timeSource"] == "timestamp"
    request.write_text("<request>changed</request>")
    assert main(["verify", str(tmp_path / "request.xml.p7s"), "--detached", str(request), "--trust", str(pki_dir)]) == 1


def test_sign_with_wrong_password_is_one_line(pki_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EDS_KEY_PASSWORD", "wrong")
    request = tmp_path / "r.xml"
    request.write_text("<r/>")
    assert main(["sign", "xml", str(request), "--key", str(pki_dir / "users/individual_sign.p12")]) == 2
    err = capsys.readouterr().err
    assert "password" in err and "Traceback" not in err
    assert not (tmp_path / "r.xml.signed.xml").exists()


def test_verify_a_folder_in_parallel_offline(tmp_path, pki_dir, pki_server, profile, manifest, capsys):
    from eds.signatures import pades as pdf
    from eds.issuing.documents import render_pdf, validate
    from eds.issuing.documents.examples import EXAMPLE_DOCUMENTS as EXAMPLES
    from eds.issuing.issuer import long_term_data
    from eds.pki.keys import SigningKey
    from eds.validation.signer_check import SignerChecker

    key = SigningKey.from_pkcs12((pki_dir / "users/official_region.p12").read_bytes(), manifest["password"])
    unsigned = render_pdf(validate("restoration_consent", EXAMPLES["restoration_consent"]), number="CNS-1",
                          issued_at=__import__("datetime").date.today(), verify_url="https://e.kz/verify/CNS-1")
    signed = pdf.sign_pdf(unsigned, key, timestamp_url=profile.tsa_url)
    long_term = pdf.add_validation_data(signed, long_term_data(signed, SignerChecker(profile), key.certificate, key.chain))
    folder = tmp_path / "audit"
    (folder / "sub").mkdir(parents=True)
    for i in range(12):
        (folder / ("sub" if i % 2 else "") / f"ok-{i}.pdf").write_bytes(long_term)
    (folder / "tampered.pdf").write_bytes(long_term.replace(b"/Producer", b"/Qroducer", 1))
    (folder / "notes.txt").write_text("not a document")
    report = tmp_path / "report.csv"
    code = main(["verify", str(folder), "--trust", str(pki_dir), "--offline", "--jobs", "2", "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 1
    assert "13 documents: 12 TOTAL_PASSED, 1 TOTAL_FAILED, 0 INDETERMINATE" in out
    assert "tampered.pdf: SIGNATURE_INVALID" in out
    rows = report.read_text().splitlines()
    assert len(rows) == 14 and rows[0].startswith("path,indication")


def _collected_as_paths(names: list[str]) -> list[str]:
    """What ``batch.collect`` gave when it made a Path of each file: Paths sorted by their parts, deduplicated."""
    found: dict[Path, None] = {}
    for name in names:
        path = Path(name)
        if path.is_dir():
            for child in sorted((p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in
                                 batch.DOCUMENT_SUFFIXES), key=lambda p: p.parts):
                found[child] = None
        else:
            found[path] = None
    return [str(p) for p in found]


def test_collect_finds_what_a_path_walk_finds_in_the_same_order(tmp_path, monkeypatch):
    tree = ["a.xml", "b.pdf", "b/c.XML", "b/d.txt", "b.xml", "b-1/e.p7s", "z/y/x.sig", "A.cms", "b/b/b.p7m",
            "sub.dir/f.pdf", "sub.dir.pdf"]
    for name in tree:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "b")  # a link to a folder is not followed
    monkeypatch.chdir(tmp_path)
    for names in (["."], ["./"], [str(tmp_path)], ["b", "./b/", "a.xml"], ["missing.xml", "b"], ["z//y/", "."],
                  ["b/c.XML", "b"]):
        assert batch.collect(names) == _collected_as_paths(names), names


def test_a_batch_check_leaves_no_cyclic_garbage(tmp_path, pki_dir, manifest):
    """The batch raises the collector's threshold (batch._init) because a file's check frees what it makes by
    reference counting alone: checks of genuine, changed, cut and foreign files leave nothing for the collector."""
    import gc

    from eds.pki.keys import SigningKey
    from eds.signatures import xmldsig

    key = SigningKey.from_pkcs12((pki_dir / "users/individual_sign.p12").read_bytes(), manifest["password"])
    signed = xmldsig.sign_xml(f"<r><iin>{key.certificate.iin}</iin></r>".encode(), key.private_key,
                              key.certificate.der)
    files = []
    for number, content in enumerate((signed, signed.replace(b"<iin>", b"<iin>1"), signed[:300], b"<r/>",
                                      b"\x30\x03abc", b"%PDF-1.7 no more")):
        files.append(tmp_path / f"{number}.xml")
        files[-1].write_bytes(content)
    batch._init(batch.BatchOptions(trust=str(pki_dir), offline=True))
    assert gc.get_threshold()[0] == 50_000
    verdicts = [batch._verify_one(path).indication for path in files]  # first meetings fill the caches
    assert verdicts[0] != "TOTAL_FAILED" and verdicts[1:] == ["TOTAL_FAILED"] * 5
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(20):
            for path in files:
                batch._verify_one(path)
        assert gc.collect() == 0, gc.garbage[:5]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.set_threshold(700, *gc.get_threshold()[1:])
        gc.unfreeze()


def test_collect_walks_a_folder_deeper_than_the_recursion_limit(tmp_path, monkeypatch):
    """The limit is lowered for the walk rather than the tree built past 1,000 levels: pytest removes old
    tmp folders with shutil.rmtree, which recurses, and a tree deeper than the limit would outlive the run."""
    frames, frame = 0, sys._getframe()
    while frame is not None:
        frames, frame = frames + 1, frame.f_back
    depth = 300
    monkeypatch.chdir(tmp_path)
    folder = "/".join(["d"] * depth)
    os.makedirs(folder)
    with open(f"{folder}/deep.xml", "wb") as out:
        out.write(b"x")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(frames + 100)  # a walk with a frame per level would overflow at level ~100
    try:
        found = batch.collect(["d"])
    finally:
        sys.setrecursionlimit(limit)
    assert found == [f"{folder}/deep.xml"]
