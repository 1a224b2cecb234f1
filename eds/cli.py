"""The ``eds`` command: a thin door over the library. Parsing arguments and printing; no checks of its own.

Exit status: 0 when everything checked passed, 1 when something failed, 3 when a result is
INDETERMINATE (e.g. revocation could not be established), 2 for bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import logging
import sys
from pathlib import Path

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE, EXIT_INDETERMINATE = 0, 1, 2, 3


class UsageError(Exception):
    """Bad input from the command line, reported in one line without a traceback."""


def _parse_time(text: str | None) -> _dt.datetime | None:
    if text is None:
        return None
    try:
        moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--at {text!r} is not an ISO 8601 time (e.g. 2026-05-01T12:00:00+05:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror}") from None


def _exit_for(indication) -> int:
    from eds.report import Indication

    return {Indication.TOTAL_PASSED: EXIT_PASSED, Indication.TOTAL_FAILED: EXIT_FAILED,
            Indication.INDETERMINATE: EXIT_INDETERMINATE}[indication]


# --- pki ---------------------------------------------------------------------------------------------

def cmd_pki_init(args: argparse.Namespace) -> int:
    from test_pki import generator

    try:
        manifest = generator.generate(args.dir, base_url=args.base_url)
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    print(f"test PKI written to {args.dir}: {len(manifest['authorities'])} CAs, "
          f"{len(manifest['identities'])} identities; services expected at {manifest['base_url']}")
    print(f"PKCS#12 password: {manifest['password']} (test material only)")
    return EXIT_PASSED


def cmd_pki_serve(args: argparse.Namespace) -> int:
    import time
    import urllib.parse

    from test_pki import services

    manifest_path = Path(args.dir) / "manifest.json"
    if not manifest_path.exists():
        raise UsageError(f"{args.dir} holds no test PKI: run `eds pki init {args.dir}` first")
    base = urllib.parse.urlparse(json.loads(manifest_path.read_text(encoding="utf-8"))["base_url"])
    server = services.start(args.dir, host=args.host or base.hostname, port=args.port or base.port or 80)
    print(f"test PKI services at {server.base_url}: /crl/, /ocsp/, /tsp/ (Ctrl-C stops)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()
    return EXIT_PASSED


# --- trust -------------------------------------------------------------------------------------------

def cmd_trust_import(args: argparse.Namespace) -> int:
    from eds.trust import TrustError, import_anchors

    def confirm(cert) -> bool:
        print(f"subject: {cert.subject_dn}\n  SHA-256: {cert.sha256}\n  valid: {cert.not_before:%Y-%m-%d} .. "
              f"{cert.not_after:%Y-%m-%d}")
        if args.yes:
            return True
        return input("  pin this certificate as a trust anchor? [y/N] ").strip().lower() in ("y", "yes")

    try:
        pinned = import_anchors(args.name, [Path(f) for f in args.files], confirm=confirm)
    except (TrustError, OSError) as exc:
        raise UsageError(str(exc)) from None
    print(f"{len(pinned)} anchor(s) pinned in profile {args.name!r}")
    return EXIT_PASSED


def cmd_trust_show(args: argparse.Namespace) -> int:
    profile = _profile(args.name)
    print(f"profile {profile.name} ({profile.folder})")
    for anchor in profile.anchors:
        print(f"  anchor {anchor.subject_dn}\n    SHA-256 {anchor.sha256}")
    print(f"  OCSP: {', '.join(profile.ocsp_urls) or '-'}\n  CRL: {', '.join(profile.crl_urls) or '-'}\n"
          f"  TSA: {profile.tsa_url or '-'}")
    return EXIT_PASSED


def _profile(name: str):
    from eds.trust import TrustError, load_profile

    try:
        return load_profile(name)
    except TrustError as exc:
        raise UsageError(str(exc)) from None


# --- cert --------------------------------------------------------------------------------------------

def _checker(args: argparse.Namespace):
    from eds.revocation import Policy
    from eds.signer_check import SignerChecker

    policy = Policy.OFFLINE if args.offline else Policy(args.policy)
    crls = [_read(f, "CRL") for f in args.crl]
    ocsps = [_read(f, "OCSP response") for f in args.ocsp_response]
    from eds.revocation import CrlError

    try:
        return SignerChecker(_profile(args.trust), policy=policy, crls=crls, ocsp_responses=ocsps)
    except CrlError as exc:
        raise UsageError(f"a --crl file is not a usable CRL: {exc}") from None


def cmd_cert(args: argparse.Namespace) -> int:
    from eds.report import render_text

    data, at = _read(args.file, "certificate"), _parse_time(args.at)
    report = _checker(args).check(data, at=at, expect_iin=args.expect_iin, expect_bin=args.expect_bin)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_text(report, args.lang))
    return _exit_for(report.indication)


# --- sign / verify -----------------------------------------------------------------------------------

def _password(args: argparse.Namespace) -> str:
    import getpass
    import os

    if args.password_file:
        return _read(args.password_file, "password file").decode().rstrip("\r\n")
    if os.environ.get(args.password_env):
        return os.environ[args.password_env]
    if sys.stdin.isatty():
        return getpass.getpass(f"password for {args.key}: ")
    raise UsageError(f"no password: set {args.password_env}, or pass --password-file")


def _signing_key(args: argparse.Namespace):
    from eds.keys import KeyStoreError, SigningKey

    try:
        return SigningKey.from_pkcs12(_read(args.key, "key file"), _password(args))
    except KeyStoreError as exc:
        raise UsageError(f"{args.key}: {exc}") from None


def _write_output(args: argparse.Namespace, data: bytes, default_suffix: str) -> None:
    out = Path(args.out) if args.out else Path(args.file + default_suffix)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    print(f"signed: {out}")


def cmd_sign_xml(args: argparse.Namespace) -> int:
    from eds import xmldsig

    data, key = _read(args.file, "XML document"), _signing_key(args)
    try:
        signed = xmldsig.sign_xml(data, key.private_key, key.certificate.der)
    except xmldsig.XmlDsigError as exc:
        raise UsageError(f"{args.file}: {exc.code}: {exc}") from None
    _write_output(args, signed, ".signed.xml")
    return EXIT_PASSED


def cmd_sign_cms(args: argparse.Namespace) -> int:
    from eds import cms, tsp

    data, key = _read(args.file, "content"), _signing_key(args)
    tsa_url = args.tsa if args.tsa != "profile" else _profile(args.trust).tsa_url
    extra = [c.der for c in key.chain]
    try:
        if args.add_to:
            signed = cms.add_signer(_read(args.add_to, "CMS"), key.private_key, key.certificate.der,
                                    detached_content=data, extra_certs=extra, timestamp_url=tsa_url)
        else:
            signed = cms.sign_cms(data, key.private_key, key.certificate.der, detached=args.detached,
                                  extra_certs=extra, timestamp_url=tsa_url)
    except (ValueError, tsp.TimestampError) as exc:
        raise UsageError(f"cannot sign: {exc}") from None
    _write_output(args, signed, ".p7s" if args.detached or args.add_to else ".p7m")
    return EXIT_PASSED


def cmd_verify(args: argparse.Namespace) -> int:
    from eds import batch

    files = batch.collect(args.paths)
    if not files:
        raise UsageError("no documents found in the paths given")
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise UsageError(f"cannot read document {missing[0]}: no such file")
    if len(files) == 1 and not args.report:
        return _verify_single(args, files[0])
    options = batch.BatchOptions(trust=args.trust, offline=args.offline, policy=args.policy, crls=tuple(args.crl),
                                 ocsp_responses=tuple(args.ocsp_response), at=_parse_time(args.at))
    _profile(args.trust)  # a bad profile is a usage error, reported once, not once per worker
    summary = batch.Summary()
    show = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if show:
            width = 30
            filled = width * done // total
            print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end="", file=sys.stderr, flush=True)

    for result in batch.verify_files(files, options, jobs=args.jobs, progress=progress):
        summary.results.append(result)
    if show:
        print(file=sys.stderr)
    counts = summary.counts
    print(f"{len(summary.results)} documents: " + ", ".join(f"{counts.get(k, 0)} {k}" for k in
                                                           ("TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE")))
    for failure in sorted(summary.failures(), key=lambda r: r.path):
        print(f"  {failure.indication:13} {failure.path}: {', '.join(failure.reasons) or failure.sub_indication}")
    if args.report:
        text = summary.to_json() if args.report.endswith(".json") else summary.to_csv()
        Path(args.report).write_text(text, encoding="utf-8")
        print(f"report written to {args.report}")
    if args.json:
        print(summary.to_json())
    return EXIT_PASSED if summary.all_passed else (
        EXIT_FAILED if counts.get("TOTAL_FAILED") else EXIT_INDETERMINATE)


def _verify_single(args: argparse.Namespace, path: Path) -> int:
    from eds.report import render_html, render_text
    from eds.request_check import Claims
    from eds.verify import DocumentVerifier

    data, at = _read(str(path), "document"), _parse_time(args.at)
    detached = _read(args.detached, "detached content") if args.detached else None
    verifier = DocumentVerifier(_checker(args))
    claims = Claims(iin=args.expect_iin, bin=args.expect_bin, iin_path=args.iin_path, bin_path=args.bin_path)
    report = verifier.verify(data, claims=claims, detached_content=detached, at=at)
    if args.html:
        Path(args.html).write_text(render_html(report, args.lang, title=path.name), encoding="utf-8")
    if args.json:
        print(report.to_json())
    else:
        print(render_text(report, args.lang))
    return _exit_for(report.indication)


# --- api keys ----------------------------------------------------------------------------------------

def cmd_api_key_create(args: argparse.Namespace) -> int:
    from eds.access import AccessError, ApiKeys
    from eds.trust import eds_home

    keys = ApiKeys(eds_home() / "api-keys.json")
    try:
        token = keys.create(args.name, args.scope, signing_keys=args.signing_key, rate_per_minute=args.rate)
    except AccessError as exc:
        raise UsageError(str(exc)) from None
    print(token)
    print(f"(shown once; only its hash is stored in {keys.path})", file=sys.stderr)
    return EXIT_PASSED


# --- serve / run -------------------------------------------------------------------------------------

def cmd_serve(args: argparse.Namespace) -> int:
    from api.serving import serve

    return serve(host=args.host, port=args.port, workers=args.workers)


def cmd_run(args: argparse.Namespace) -> int:
    from api.serving import run_embedded

    return run_embedded(host=args.host, port=args.port, pki_port=args.pki_port)


# --- parser ------------------------------------------------------------------------------------------

def _add_check_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trust", default="test", help="trust profile name (test, nca) or folder")
    parser.add_argument("--crl", action="append", default=[], metavar="FILE", help="a CRL to use (repeatable)")
    parser.add_argument("--ocsp-response", action="append", default=[], metavar="FILE",
                        help="an OCSP response to use (repeatable)")
    parser.add_argument("--offline", action="store_true", help="no network: only the CRLs/OCSP given")
    parser.add_argument("--policy", choices=["require", "soft-fail"], default="require",
                        help="revocation policy when online (default require)")
    parser.add_argument("--at", metavar="ISO_TIME", help="judge at this moment instead of now")
    parser.add_argument("--expect-iin", metavar="N", help="the IIN the request claims")
    parser.add_argument("--expect-bin", metavar="N", help="the BIN the request claims")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--lang", choices=["kk", "ru", "en"], default="en", help="language of messages")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eds", description="EDS (ЭЦП) checks, signing and verification")
    commands = parser.add_subparsers(dest="command", required=True)

    pki = commands.add_parser("pki", help="the NCA-like test PKI").add_subparsers(dest="pki_command", required=True)
    init = pki.add_parser("init", help="generate a test PKI into an empty folder")
    init.add_argument("dir")
    init.add_argument("--base-url", default="http://127.0.0.1:8780", help="where `pki serve` will answer")
    init.set_defaults(func=cmd_pki_init)
    serve_pki = pki.add_parser("serve", help="serve its CRL, OCSP and TSA on loopback")
    serve_pki.add_argument("dir")
    serve_pki.add_argument("--host")
    serve_pki.add_argument("--port", type=int)
    serve_pki.set_defaults(func=cmd_pki_serve)

    trust = commands.add_parser("trust", help="trust profiles").add_subparsers(dest="trust_command", required=True)
    imp = trust.add_parser("import", help="pin CA certificates as trust anchors of a profile")
    imp.add_argument("name")
    imp.add_argument("files", nargs="+")
    imp.add_argument("--yes", action="store_true", help="pin without asking (after showing each)")
    imp.set_defaults(func=cmd_trust_import)
    show = trust.add_parser("show", help="show a profile's anchors and services")
    show.add_argument("name")
    show.set_defaults(func=cmd_trust_show)

    cert = commands.add_parser("cert", help="check a certificate: chain, validity, revocation, IIN/BIN, role")
    cert.add_argument("file")
    _add_check_options(cert)
    cert.set_defaults(func=cmd_cert)

    sign = commands.add_parser("sign", help="sign with a PKCS#12 key").add_subparsers(dest="sign_command",
                                                                                      required=True)
    for kind, func in (("xml", cmd_sign_xml), ("cms", cmd_sign_cms)):
        sub = sign.add_parser(kind, help=f"make a {kind.upper()} signature in the NCALayer profile")
        sub.add_argument("file")
        sub.add_argument("--key", required=True, metavar="P12", help="PKCS#12 file with the signing key")
        sub.add_argument("--password-env", default="EDS_KEY_PASSWORD", metavar="VAR",
                         help="environment variable holding the password (default EDS_KEY_PASSWORD)")
        sub.add_argument("--password-file", metavar="FILE", help="file holding the password")
        sub.add_argument("--out", metavar="FILE", help="where to write the result")
        if kind == "xml":
            sub.description = "Append an enveloped signature; co-signs when the document is already signed."
        else:
            sub.add_argument("--detached", action="store_true", help="leave the content out of the CMS")
            sub.add_argument("--add-to", metavar="CMS", help="add a signer to this existing CMS over FILE")
            sub.add_argument("--tsa", nargs="?", const="profile", metavar="URL",
                             help="add an RFC 3161 timestamp (the profile's TSA when no URL is given)")
            sub.add_argument("--trust", default="test", help="trust profile whose TSA --tsa uses")
        sub.set_defaults(func=func)

    verify = commands.add_parser("verify", help="verify signed PDF, XML or CMS documents (files or folders)")
    verify.add_argument("paths", nargs="+", metavar="PATH")
    verify.add_argument("--jobs", type=int, default=None, help="worker processes for many files (default: cores)")
    verify.add_argument("--report", metavar="FILE", help="write a CSV (or .json) report of every file")
    verify.add_argument("--html", metavar="FILE", help="write the report of a single document as HTML")
    verify.add_argument("--detached", metavar="FILE", help="the content of a detached CMS")
    verify.add_argument("--iin-path", metavar="PATH", help="read the claimed IIN from the signed XML (e.g. applicant/iin)")
    verify.add_argument("--bin-path", metavar="PATH", help="read the claimed BIN from the signed XML")
    _add_check_options(verify)
    verify.set_defaults(func=cmd_verify)

    api_key = commands.add_parser("api-key", help="API keys of clients").add_subparsers(dest="api_key_command",
                                                                                       required=True)
    create = api_key.add_parser("create", help="create an API key and print it once")
    create.add_argument("--name", required=True, help="who the key is for")
    create.add_argument("--scope", action="append", required=True, choices=["verify", "issue", "sign", "admin"])
    create.add_argument("--signing-key", action="append", default=[], metavar="KEY_ID",
                        help="a signing key the client may use (repeatable; * for all)")
    create.add_argument("--rate", type=int, default=600, help="requests per minute (default 600)")
    create.set_defaults(func=cmd_api_key_create)

    serve = commands.add_parser("serve", help="run the HTTP API under gunicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None, help="default: 2 x cores + 1, at most 8")
    serve.set_defaults(func=cmd_serve)

    run = commands.add_parser("run", help="the embedded default: test PKI, its services and the API")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--pki-port", type=int, default=8780)
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # pyHanko logs every rejected modification with a traceback; the report already says what was wrong.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"eds: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
