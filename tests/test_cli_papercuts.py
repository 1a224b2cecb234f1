"""The CLI's small promises: it describes what it cannot check, reads what openssl writes, never creates state a
read-only command did not ask for, finds its state folder, and exits as the shell expects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import eds.cli
from eds.cli import EXIT_INDETERMINATE, EXIT_INTERRUPTED, EXIT_USAGE, main
from eds.pki.certificates import Certificate, CertificateError
from eds.pki.trust import eds_home


@pytest.fixture
def nowhere(tmp_path, monkeypatch) -> Path:
    """A state folder with nothing in it, and a working folder without var/."""
    home = tmp_path / "home"
    monkeypatch.setenv("EDS_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    return home


def test_cert_without_a_trust_profile_describes_it_and_says_the_chain_is_unchecked(nowhere, pki_dir, capsys):
    certificate = pki_dir / "users/company_head.pem"
    assert main(["cert", str(certificate)]) == EXIT_INDETERMINATE
    out = capsys.readouterr().out
    name = Certificate.load(certificate.read_bytes()).common_name
    assert out.startswith("INDETERMINATE") and "CHAIN_NOT_CHECKED" in out and name in out
    assert "give --trust" in out

    assert main(["cert", str(certificate), "--json"]) == EXIT_INDETERMINATE
    report = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in report["reasons"]] == ["CHAIN_NOT_CHECKED"]
    assert report["signer"]["subject"]["commonName"] == name and report["indication"] == "INDETERMINATE"
    assert not nowhere.exists()  # describing a certificate writes nothing


def test_a_trust_profile_asked_for_by_name_must_exist(nowhere, pki_dir, capsys):
    assert main(["cert", str(pki_dir / "users/company_head.pem"), "--trust", "nope"]) == EXIT_USAGE
    assert "no trust profile named 'nope'" in capsys.readouterr().err


def test_pem_after_openssl_bag_attributes_is_read(nowhere, pki_dir, tmp_path, capsys):
    pem = (pki_dir / "users/company_head.pem").read_bytes()
    bag = b"Bag Attributes\n    localKeyID: 01 02 03\nsubject=/CN=x\nissuer=/CN=y\n" + pem
    assert Certificate.load(bag).der == Certificate.load(pem).der
    path = tmp_path / "bag.pem"
    path.write_bytes(bag)
    assert main(["cert", str(path), "--trust", str(pki_dir), "--offline", "--json"]) == EXIT_INDETERMINATE
    assert json.loads(capsys.readouterr().out)["signer"]["fingerprints"]["sha256"] == Certificate.load(pem).sha256


def test_der_is_never_searched_for_pem(pki_dir):
    """Bytes that start as DER are read as DER only: PEM text after (or inside) them is never the certificate."""
    der = Certificate.load((pki_dir / "users/company_head.pem").read_bytes()).der
    other = (pki_dir / "users/individual_sign.pem").read_bytes()
    with pytest.raises(CertificateError) as caught:
        Certificate.load(der + b"\n" + other)
    assert caught.value.code == "CERT_MALFORMED"


def test_an_offline_check_without_evidence_hints_at_crl_and_ocsp_files(nowhere, pki_dir, capsys):
    certificate = str(pki_dir / "users/company_head.pem")
    assert main(["cert", certificate, "--trust", str(pki_dir), "--offline"]) == EXIT_INDETERMINATE
    captured = capsys.readouterr()
    assert "REVOCATION_UNKNOWN" in captured.out and "--crl FILE" in captured.err and "--ocsp-response" in captured.err
    crl = next((pki_dir / "crl").glob("*.crl"))
    main(["cert", certificate, "--trust", str(pki_dir), "--offline", "--crl", str(crl)])
    assert "hint:" not in capsys.readouterr().err  # evidence was given: nothing to hint at


def test_html_with_several_documents_is_refused_with_a_message(nowhere, tmp_path, capsys):
    files = []
    for name in ("a.xml", "b.xml"):
        (tmp_path / name).write_bytes(b"<r/>")
        files.append(str(tmp_path / name))
    assert main(["verify", *files, "--html", str(tmp_path / "out.html")]) == EXIT_USAGE
    assert "--html writes the report of one document" in capsys.readouterr().err
    assert not (tmp_path / "out.html").exists()


@pytest.mark.parametrize("command", [["registry", "show", "LIC-MCI-2026-000001"], ["audit", "verify"]])
def test_read_only_commands_never_create_a_registry(nowhere, capsys, command):
    assert main(command) == EXIT_USAGE
    assert "no registry at" in capsys.readouterr().err
    assert not nowhere.exists()


def test_the_state_folder_is_the_environment_then_var_then_the_users_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("EDS_HOME", raising=False)
    assert eds_home() == tmp_path / "data" / "eds"
    (tmp_path / "var").mkdir()
    assert eds_home() == tmp_path / "var"
    monkeypatch.setenv("EDS_HOME", str(tmp_path / "elsewhere"))
    assert eds_home() == tmp_path / "elsewhere"
    version = subprocess.run([sys.executable, "-m", "eds.cli", "--version"], capture_output=True, text=True,
                             check=True).stdout
    assert f"EDS_HOME {tmp_path / 'elsewhere'}" in version


def test_ctrl_c_exits_130(nowhere, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(eds.cli, "cmd_info", interrupted)
    assert main(["info"]) == EXIT_INTERRUPTED == 130


def test_run_help_describes_its_options(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    assert "port of the API" in text and "test PKI's CRL/OCSP/TSA" in text and "0.0.0.0" in text
