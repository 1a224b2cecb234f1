"""The ``eds`` command: a thin door over the library. Parsing arguments and printing; no checks of its own.

Exit status: 0 when everything checked passed, 1 when something failed, 3 when a result is
INDETERMINATE (e.g. revocation could not be established), 2 for bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import logging
import os
import sys
from pathlib import Path

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE, EXIT_INDETERMINATE = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141  # as a process killed by SIGPIPE, the shell's convention
EXIT_INTERRUPTED = 130  # as a process stopped by Ctrl-C (SIGINT), the shell's convention


class UsageError(Exception):
    """Bad input from the command line, reported in one line without a traceback: ``code`` for scripts to match,
    then the catalogue's ``key`` in the asked language filled with ``fields`` (see :func:`_said`)."""

    def __init__(self, code: str, key: str, **fields: object) -> None:
        self.code, self.key, self.fields = code, key, fields
        super().__init__(f"{code}: {self.text('en')}")

    def text(self, lang: str) -> str:
        return _say(self.key, lang, **self.fields)


class _Word(str):
    """A field of a printed line that is itself a catalogue key (``cli.what.certificate``), said in the line's
    language."""


def _said(value: object, lang: str) -> object:
    """A field as a line in ``lang`` shows it: a :class:`_Word` in that language, a refusal as :func:`_refusal`
    says it, an OSError as what the system said (the catalogue's words for the usual ones); else the value."""
    from eds import messages
    from eds.errors import CodedError

    if isinstance(value, _Word):
        return messages.text(value, lang)
    if isinstance(value, CodedError):
        return _refusal(value, lang)
    if isinstance(value, OSError):
        import errno

        key = f"cli.oserror.{errno.errorcode.get(value.errno or 0, '')}"
        return messages.text(key, lang) if key in messages.CATALOGUE else (value.strerror or str(value))
    return value


def _refusal(exc: Exception, lang: str) -> str:
    """What a refusal says in ``lang``: a UsageError its catalogue text; a library's refusal in English its own
    text, in Kazakh or Russian what its code means followed by that text in brackets (it names the files, keys
    and values, which the catalogue cannot hold); any other error its text."""
    from eds.errors import CodedError

    if isinstance(exc, UsageError):
        return exc.text(lang)
    if not isinstance(exc, CodedError):
        return str(exc)
    return _coded(exc.code, exc.message, lang)


def _coded(code: str, message: str, lang: str) -> str:
    """A library's English ``message`` with ``code`` in ``lang``: the message in English; in Kazakh or Russian what
    the code means, the message in brackets (the message alone when the catalogue has no meaning for the code)."""
    from eds import messages

    meaning = messages.meaning(code, lang) if messages.language(lang) != "en" else None
    return f"{meaning} ({message})" if meaning else message


def _error_line(exc: Exception, lang: str) -> str:
    """The one line ``eds: error: CODE: text`` of a refusal (a UsageError or a CodedError); a library refusal's
    details follow as JSON."""
    details = getattr(exc, "details", None) if not isinstance(exc, UsageError) else None
    return f"eds: error: {exc.code}: {_refusal(exc, lang)}" + (
        f" {json.dumps(details, ensure_ascii=False)}" if details else "")


def _say(key: str, lang: str, **fields: object) -> str:
    """The catalogue's text of ``key`` in ``lang``, filled with ``fields`` (as :func:`_said` shows them)."""
    from eds import messages

    return messages.text(key, lang).format(**{name: _said(value, lang) for name, value in fields.items()})


def _parse_time(text: str | None) -> _dt.datetime | None:
    if text is None:
        return None
    try:
        moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError("TIME_INVALID", "cli.error.time_invalid", text=repr(text)) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)


def _read(path: str, what: str) -> bytes:
    """The bytes of ``path``; ``what`` names it in a refusal (a ``cli.what.*`` key's last part)."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError("FILE_UNREADABLE", "cli.error.unreadable", what=_Word(f"cli.what.{what}"), path=path,
                         reason=exc) from None


def _exit_for(indication) -> int:
    from eds.validation.report import Indication

    return {Indication.TOTAL_PASSED: EXIT_PASSED, Indication.TOTAL_FAILED: EXIT_FAILED,
            Indication.INDETERMINATE: EXIT_INDETERMINATE}[indication]


# --- pki ---------------------------------------------------------------------------------------------

def cmd_pki_init(args: argparse.Namespace) -> int:
    from eds.optional import load_test_pki

    generator = load_test_pki("generator")

    try:
        manifest = generator.generate(args.dir, base_url=args.base_url)
    except FileExistsError:
        raise UsageError("PKI_FOLDER_NOT_EMPTY", "cli.error.pki_not_empty", dir=args.dir) from None
    print(_say("cli.pki.written", args.lang, dir=args.dir, authorities=len(manifest["authorities"]),
               identities=len(manifest["identities"]), url=manifest["base_url"]))
    print(_say("cli.pki.password", args.lang, path=Path(args.dir) / manifest["password_file"]))
    return EXIT_PASSED


def cmd_pki_serve(args: argparse.Namespace) -> int:
    import time
    import urllib.parse

    from eds.optional import load_test_pki

    services = load_test_pki("services")

    manifest_path = Path(args.dir) / "manifest.json"
    if not manifest_path.exists():
        raise UsageError("NO_TEST_PKI", "cli.error.no_test_pki", dir=args.dir)
    base = urllib.parse.urlparse(json.loads(manifest_path.read_text(encoding="utf-8"))["base_url"])
    server = services.start(args.dir, host=args.host or base.hostname, port=args.port or base.port or 80)
    print(_say("cli.pki.serving", args.lang, url=server.base_url), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()
    return EXIT_PASSED


# --- trust -------------------------------------------------------------------------------------------

def cmd_trust_import(args: argparse.Namespace) -> int:
    from eds import messages
    from eds.pki.trust import import_anchors

    def confirm(cert) -> bool:
        print(_say("cli.trust.candidate", args.lang, subject=cert.subject_dn, sha256=cert.sha256,
                   start=f"{cert.not_before:%Y-%m-%d}", end=f"{cert.not_after:%Y-%m-%d}"))
        if args.yes:
            return True
        yes = messages.text("cli.answer.yes", args.lang)
        return input(_say("cli.trust.confirm", args.lang)).strip().lower() in ("y", "yes", yes, yes[0])

    try:
        pinned = import_anchors(args.name, [Path(f) for f in args.files], confirm=confirm)
    except OSError as exc:
        raise UsageError("FILE_UNREADABLE", "cli.error.unreadable", what=_Word("cli.what.certificate"),
                         path=exc.filename, reason=exc) from None
    print(_say("cli.trust.pinned", args.lang, count=len(pinned), name=repr(args.name)))
    return EXIT_PASSED


def cmd_trust_show(args: argparse.Namespace) -> int:
    profile = _profile(args.name)
    print(_say("cli.trust.profile", args.lang, name=profile.name, folder=profile.folder))
    for anchor in profile.anchors:
        print(_say("cli.trust.anchor", args.lang, subject=anchor.subject_dn, sha256=anchor.sha256))
    print(_say("cli.trust.services", args.lang, ocsp=", ".join(profile.ocsp_urls) or "-",
               crl=", ".join(profile.crl_urls) or "-", tsa=profile.tsa_url or "-"))
    return EXIT_PASSED


def _profile(name: str):
    """The trust profile ``name``; a missing or bad one is a refusal (TrustError) that main prints."""
    from eds.pki.trust import load_profile

    return load_profile(name)


# --- cert --------------------------------------------------------------------------------------------

def _trust(args: argparse.Namespace) -> str:
    """The profile a check runs against: the one given with --trust, else the test PKI's."""
    return args.trust or "test"


def _checker(args: argparse.Namespace):
    from eds.pki.revocation import Policy
    from eds.validation.signer_check import SignerChecker

    policy = Policy.OFFLINE if args.offline else Policy(args.policy)
    crls = [_read(f, "crl") for f in args.crl]
    ocsps = [_read(f, "ocsp_response") for f in args.ocsp_response]
    from eds.pki.revocation import CrlError

    try:
        return SignerChecker(_profile(_trust(args)), policy=policy, crls=crls, ocsp_responses=ocsps)
    except CrlError as exc:
        raise UsageError(exc.code, "cli.error.crl_unusable", cause=exc) from None


def cmd_cert(args: argparse.Namespace) -> int:
    from eds.pki.trust import TrustError, load_profile
    from eds.validation.rendering import render_text
    from eds.validation.signer_check import without_trust

    data, at = _read(args.file, "certificate"), _parse_time(args.at)
    try:
        load_profile(_trust(args))
        report = _checker(args).check(data, at=at, expect_iin=args.expect_iin, expect_bin=args.expect_bin)
    except TrustError as missing:
        if args.trust is not None:  # a profile asked for by name must exist; only the default may be missing
            raise
        report = without_trust(data, f"{missing.message}; give --trust NAME or FOLDER")  # describe it anyway
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_text(report, args.lang))
        _offline_hint(args, report)
    return _exit_for(report.indication)


def _offline_hint(args: argparse.Namespace, report) -> None:
    """An offline check with nothing to judge revocation by says how to give it something (stderr, not output)."""
    from eds import messages

    if args.offline and not (args.crl or args.ocsp_response) and \
            any(reason.code == "REVOCATION_UNKNOWN" for reason in report.reasons):
        print(messages.text("cli.offline_hint", args.lang), file=sys.stderr)


# --- sign / verify -----------------------------------------------------------------------------------

def _password(args: argparse.Namespace) -> str:
    import getpass
    import os

    if args.password_file:
        return _read(args.password_file, "password_file").decode().rstrip("\r\n")
    if os.environ.get(args.password_env):
        return os.environ[args.password_env]
    if sys.stdin.isatty():
        return getpass.getpass(_say("cli.prompt.password", args.lang, path=args.key))
    raise UsageError("KEY_PASSWORD_MISSING", "cli.error.no_password", env=args.password_env)


def _signing_key(args: argparse.Namespace):
    from eds.pki.keys import KeyStoreError, SigningKey

    try:
        return SigningKey.from_pkcs12(_read(args.key, "key_file"), _password(args))
    except KeyStoreError as exc:
        raise UsageError(exc.code, "cli.error.in_file", path=args.key, cause=exc) from None


def _write_output(args: argparse.Namespace, data: bytes, default_suffix: str) -> None:
    out = Path(args.out) if args.out else Path(args.file + default_suffix)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    print(_say("cli.signed", args.lang, path=out))


def cmd_sign_xml(args: argparse.Namespace) -> int:
    from eds.signatures import xmldsig

    data, key = _read(args.file, "xml_document"), _signing_key(args)
    try:
        signed = xmldsig.sign_xml(data, key.private_key, key.certificate.der)
    except xmldsig.XmlDsigError as exc:
        raise UsageError(exc.code, "cli.error.in_file", path=args.file, cause=exc) from None
    _write_output(args, signed, ".signed.xml")
    return EXIT_PASSED


def cmd_sign_cms(args: argparse.Namespace) -> int:
    from eds.signatures import cms, tsp

    data, key = _read(args.file, "content"), _signing_key(args)
    tsa_url = args.tsa if args.tsa != "profile" else _profile(args.trust).tsa_url
    extra = [c.der for c in key.chain]
    stamp = tsp.signature_timestamper(tsa_url) if tsa_url else None
    try:
        if args.add_to:
            signed = cms.add_signer(_read(args.add_to, "cms"), key.private_key, key.certificate.der,
                                    detached_content=data, extra_certs=extra, timestamp=stamp)
        else:
            signed = cms.sign_cms(data, key.private_key, key.certificate.der, detached=args.detached,
                                  extra_certs=extra, timestamp=stamp)
    except (ValueError, tsp.TimestampError) as exc:
        raise UsageError(getattr(exc, "code", "SIGNING_FAILED"), "cli.error.cannot_sign", cause=exc) from None
    _write_output(args, signed, ".p7s" if args.detached or args.add_to else ".p7m")
    return EXIT_PASSED


# The names of the hashes ``eds sign hash --digest-alg`` takes: those two-step's ``digestAlgorithm`` answers.
DIGEST_ALGORITHMS = ("sha256", "sha384", "sha512", "streebog256", "streebog512", "gost34311")


def cmd_sign_hash(args: argparse.Namespace) -> int:
    """The official's side of two-step signing without NCALayer: the detached CMS over a given hash."""
    import base64
    import binascii

    from eds.pki import algorithms, gost
    from eds.signatures import cms

    try:
        digest = base64.b64decode("".join(args.digest.split()), validate=True)
    except (binascii.Error, ValueError):
        raise UsageError("BAD_BASE64", "cli.error.digest_not_base64", digest=repr(args.digest[:40])) from None
    oids = {"sha256": algorithms.SHA256, "sha384": algorithms.SHA384, "sha512": algorithms.SHA512,
            "streebog256": gost.OID_KZ_STREEBOG256_HASH, "streebog512": gost.OID_KZ_STREEBOG512_HASH,
            "gost34311": gost.OID_KZ_GOST34311_HASH}
    key = _signing_key(args)
    try:
        signed = cms.sign_digest(digest, key.private_key, key.certificate.der,
                                 digest_oid=oids[args.digest_alg] if args.digest_alg else None,
                                 extra_certs=[c.der for c in key.chain])
    except cms.CmsError as exc:
        raise UsageError(exc.code, "cli.error.cannot_sign", cause=exc) from None
    if args.out:
        out = Path(args.out)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_bytes(signed)
        tmp.replace(out)
        print(_say("cli.signed", args.lang, path=out), file=sys.stderr)
    print(base64.b64encode(signed).decode())
    return EXIT_PASSED


def cmd_verify(args: argparse.Namespace) -> int:
    from eds import messages
    from eds.validation import batch

    files = batch.collect(args.paths)
    if not files:
        raise UsageError("NO_DOCUMENTS", "cli.error.no_documents")
    # what a folder's walk found is there; a path named may not be (nor is it a folder then)
    missing = [str(Path(p)) for p in args.paths if not os.path.exists(p)]
    if missing:
        raise UsageError("FILE_UNREADABLE", "cli.error.unreadable", what=_Word("cli.what.document"), path=missing[0],
                         reason=_Word("cli.oserror.ENOENT"))
    if len(files) == 1 and not args.report:
        return _verify_single(args, Path(files[0]))
    if args.html:
        raise UsageError("HTML_ONE_DOCUMENT", "cli.error.html_one_document", count=len(files))
    if args.expect_signer:
        raise UsageError("EXPECT_SIGNER_ONE_DOCUMENT", "cli.error.expect_signer_one_document")
    options = batch.BatchOptions(trust=_trust(args), offline=args.offline, policy=args.policy, crls=tuple(args.crl),
                                 ocsp_responses=tuple(args.ocsp_response), at=_parse_time(args.at))
    _profile(_trust(args))  # a bad profile is a usage error, reported once, not once per worker
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
    if args.report:
        text = summary.to_json() if args.report.endswith(".json") else summary.to_csv()
        Path(args.report).write_text(text, encoding="utf-8")
    if args.json:  # JSON alone on stdout, so that it can be piped into a parser
        print(summary.to_json())
    else:
        print(messages.text("cli.batch_summary", args.lang).format(
            count=len(summary.results), passed=counts.get("TOTAL_PASSED", 0), failed=counts.get("TOTAL_FAILED", 0),
            indeterminate=counts.get("INDETERMINATE", 0)))
        for failure in sorted(summary.failures(), key=lambda r: r.path):
            print(f"  {failure.indication:13} {failure.path}: {', '.join(failure.reasons) or failure.sub_indication}")
        if args.report:
            print(messages.text("cli.report_written", args.lang).format(path=args.report))
    return EXIT_PASSED if summary.all_passed else (
        EXIT_FAILED if counts.get("TOTAL_FAILED") else EXIT_INDETERMINATE)


def _expected_signers(specs: list[str]):
    """``--expect-signer iin=N[,bin=N]`` (repeatable, in signing order) -> ExpectedSigner values, or None."""
    from eds.validation.request_check import ExpectedSigner

    if not specs:
        return None
    signers = []
    for spec in specs:
        fields = {}
        for part in spec.split(","):
            key, _, value = part.strip().partition("=")
            if key not in ("iin", "bin") or not value.strip() or key in fields:
                raise UsageError("EXPECT_SIGNER_INVALID", "cli.error.expect_signer_invalid", spec=repr(spec))
            fields[key] = value.strip()
        signers.append(ExpectedSigner(**fields))
    return tuple(signers)


def _verify_claims(verifier, data: bytes, claims, detached: bytes | None, at: _dt.datetime | None):
    """``--expect-iin/--expect-bin`` of an issued document are its holder's (``eds.service.held_to_claims``): the
    holder the service's registry recorded, when its database is here and this is the registered file; else the
    one the signed XML twin names; a PDF printing a number of a registry's form that cannot be looked up here is
    unconfirmed. Any other document is held to them as a request is, by its first signer."""
    import dataclasses

    from eds.service import held_to_claims

    report = verifier.verify(data, claims=dataclasses.replace(claims, iin=None, bin=None),
                             detached_content=detached, at=at)
    registry, holder = _registry_view(detached if detached is not None else data)
    return held_to_claims(report, data, claims, registry, holder,
                          lambda: verifier.verify(data, claims=claims, detached_content=detached, at=at))


def _registry_view(data: bytes) -> tuple[dict, tuple[str, str] | None]:
    """The service registry's cross-check of ``data`` and its registered holder, when the registry's database
    exists here (a missing SQLite file is not created); otherwise just the number the document prints."""
    from eds.errors import CodedError
    from eds.service import REGISTRY_NUMBER, Settings, printed_number

    number = printed_number(data)
    if number is None:
        return {}, None
    try:
        settings = Settings.from_env({})
        sqlite = settings.database_url.removeprefix("sqlite:///")
        if sqlite == settings.database_url or Path(sqlite).exists():
            services = settings.services()
            found = services.registry_cross_check(data)
            return found, services.registered_holder(found)
    except CodedError:  # no registry to ask: the number alone, when it has a registry's form
        pass
    return ({"found": None, "number": number} if REGISTRY_NUMBER.fullmatch(number) else {}), None


def _verify_single(args: argparse.Namespace, path: Path) -> int:
    from eds.validation.rendering import render_html, render_text
    from eds.validation.request_check import Claims
    from eds.validation.verify import DocumentVerifier

    data, at = _read(str(path), "document"), _parse_time(args.at)
    detached = _read(args.detached, "detached_content") if args.detached else None
    verifier = DocumentVerifier(_checker(args))
    claims = Claims(iin=args.expect_iin, bin=args.expect_bin, iin_path=args.iin_path, bin_path=args.bin_path,
                    signers=_expected_signers(args.expect_signer))
    if claims.iin is None and claims.bin is None:
        report = verifier.verify(data, claims=claims, detached_content=detached, at=at)
    else:
        report = _verify_claims(verifier, data, claims, detached, at)
    if args.html:
        Path(args.html).write_text(render_html(report, args.lang, title=path.name), encoding="utf-8")
    if args.json:
        print(report.to_json())
    else:
        print(render_text(report, args.lang))
        _offline_hint(args, report)
    return _exit_for(report.indication)


# --- issuing and the registry -------------------------------------------------------------------------

def _services():
    from eds.service import Settings

    return Settings.from_env({}).services()


def _registry_call(call, lang: str):
    """``call()``; data that cannot make a document is refused with one line per problem (the registry's and the
    issuer's refusals go up to main as they are, with their details)."""
    from eds.issuing.documents import DocumentDataError

    try:
        return call()
    except DocumentDataError as exc:
        lines = "\n".join(f"  {issue.field}: {issue.code}: {_issue_text(issue, lang)}" for issue in exc.issues)
        raise UsageError(exc.code, "cli.error.document_data", issues=lines) from None


def _issue_text(issue, lang: str) -> str:
    """A problem in a document's data as :func:`_refusal` says a refusal: in Kazakh or Russian what its code means,
    the English text (naming the values) in brackets."""
    from eds import messages

    if messages.language(lang) == "en":
        return issue.message
    key = f"issue.{issue.code}"
    meaning = messages.text(key, lang) if key in messages.CATALOGUE else messages.meaning(issue.code, lang)
    return f"{meaning} ({issue.message})" if meaning else issue.message


def _print_document(document, lang: str) -> None:
    print(_say("cli.document.line", lang, number=document.number, type=document.doc_type, status=document.status,
               holder=document.holder_name, holder_id=document.holder_id,
               issued=f"{document.issued_at:%Y-%m-%d %H:%M}"))
    if document.original_number:
        print(_say("cli.document.original", lang, number=document.original_number))
    if document.supersedes:
        print(_say("cli.document.supersedes", lang, number=document.supersedes))
    if document.superseded_by:
        print(_say("cli.document.superseded_by", lang, number=document.superseded_by))


def _save_files(registry, document, out: str | None, lang: str) -> None:
    if not out:
        return
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for kind in ("pdf", "xml"):
        (folder / f"{document.number}.{kind}").write_bytes(registry.file(document.number, kind))
    print(_say("cli.document.files", lang, folder=folder, number=document.number))


def cmd_issue(args: argparse.Namespace) -> int:
    try:
        data = json.loads(_read(args.data, "data_file"))
    except json.JSONDecodeError as exc:
        raise UsageError("DATA_NOT_JSON", "cli.error.data_not_json_at", path=args.data, line=exc.lineno,
                         column=exc.colno) from None
    except ValueError:  # bytes that are no JSON encoding
        raise UsageError("DATA_NOT_JSON", "cli.error.data_not_json", path=args.data) from None
    services = _services()
    document = _registry_call(lambda: services.issuer.issue(
        args.type, data, provider_id=args.provider, key_id=args.key, actor=args.actor,
        idempotency_key=args.idempotency_key, number=args.number), args.lang)
    _print_document(document, args.lang)
    _save_files(services.registry, document, args.out, args.lang)
    return EXIT_PASSED


def _existing_registry():
    """The registry for a command that only reads it: a SQLite file that is not there is an error, never an empty
    registry created on the way."""
    from eds.issuing.registry.database import parse_url

    services = _services()
    url = parse_url(services.settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        raise UsageError("NO_REGISTRY", "cli.error.no_registry", path=url.database)
    return services.registry


def cmd_registry_show(args: argparse.Namespace) -> int:
    registry = _existing_registry()
    document = _registry_call(lambda: registry.document(args.number), args.lang)
    _print_document(document, args.lang)
    for event in _registry_call(lambda: registry.events(args.number), args.lang):
        print(_say("cli.document.event", args.lang, at=f"{event.at:%Y-%m-%d %H:%M:%S}", kind=event.kind,
                   actor=event.actor)
              + (f": {event.reason}" if event.reason else "") + (f" -> {event.related_number}" if event.related_number else ""))
    for renewal in _registry_call(lambda: registry.file_renewals(args.number), args.lang):
        print(_say("cli.document.renewal", args.lang, at=f"{renewal.at:%Y-%m-%d %H:%M:%S}", kind="file_renewed",
                   file=renewal.kind, version=renewal.version, before=renewal.previous.sha256[:16],
                   before_size=renewal.previous.size, after=renewal.current.sha256[:16],
                   after_size=renewal.current.size))
    _save_files(registry, document, args.out, args.lang)
    return EXIT_PASSED


def cmd_registry_maintain(args: argparse.Namespace) -> int:
    """Archive maintenance: renew the proof of time (PAdES B-LTA) of the registered PDFs whose protecting timestamp
    runs out within --before days; one line per document (JSON lines with --json), then a summary. Safe to run
    again, and to stop: each document is renewed in its own transaction."""
    if args.before < 0:
        raise UsageError("BEFORE_INVALID", "cli.error.before_invalid")
    registry = _existing_registry()
    maintainer = _services().maintainer(args.tsa, actor=args.actor)
    counts: dict[str, int] = {}

    def show(outcome) -> None:
        counts[outcome.action] = counts.get(outcome.action, 0) + 1
        if args.json:
            print(json.dumps(outcome.to_dict(), ensure_ascii=False), flush=True)
            return
        line = f"{outcome.number}: {outcome.action}"
        if outcome.proof_until is not None:
            line += _say("cli.maintain.proof_until", args.lang, date=f"{outcome.proof_until:%Y-%m-%d}")
        if outcome.renewed_until is not None:
            line += f" -> {outcome.renewed_until:%Y-%m-%d}"
        if outcome.size_after is not None:
            line += _say("cli.maintain.grown", args.lang, size=outcome.size_after - outcome.size_before,
                         seconds=outcome.seconds)
        if outcome.code:
            line += f": {outcome.code}: {_coded(outcome.code, outcome.message, args.lang)}"
        print(line, flush=True)

    _registry_call(lambda: maintainer.run(_dt.timedelta(days=args.before), numbers=args.number or None,
                                          on_outcome=show), args.lang)
    print(_say("cli.maintain.summary", args.lang, count=sum(counts.values()),
               **{k: counts.get(k, 0) for k in ("renewed", "not_due", "skipped", "failed")}),
          file=sys.stderr if args.json else sys.stdout)
    return EXIT_FAILED if counts.get("failed") else EXIT_PASSED


def cmd_registry_event(args: argparse.Namespace) -> int:
    services = _services()
    issuer = services.issuer
    if args.event in ("reissue", "duplicate"):
        if not args.key:
            raise UsageError("KEY_REQUIRED", "cli.error.key_required", event=args.event)
        data = json.loads(_read(args.data, "data_file")) if getattr(args, "data", None) else None
        if args.event == "reissue":
            document = _registry_call(lambda: issuer.reissue(args.number, key_id=args.key, actor=args.actor,
                                                             reason=args.reason, data=data), args.lang)
        else:
            document = _registry_call(lambda: issuer.duplicate(args.number, key_id=args.key, actor=args.actor,
                                                               reason=args.reason), args.lang)
        _save_files(services.registry, document, args.out, args.lang)
    else:
        action = {"suspend": issuer.suspend, "resume": issuer.resume, "terminate": issuer.terminate}[args.event]
        document = _registry_call(lambda: action(args.number, actor=args.actor, reason=args.reason), args.lang)
    _print_document(document, args.lang)
    return EXIT_PASSED


def cmd_registry_provider(args: argparse.Namespace) -> int:
    """Register a provider, or with --update change what is given (names, place, the services it provides)."""
    registry = _services().registry
    types = args.types.split(",") if args.types else None
    if args.update:
        provider = _registry_call(lambda: registry.update_provider(
            args.id, name_kk=args.name_kk, name_ru=args.name_ru, place_kk=args.place_kk, place_ru=args.place_ru,
            doc_types=types, actor=args.actor), args.lang)
    else:
        missing = [f"--{name.replace('_', '-')}" for name in ("name_kk", "name_ru", "bin", "place_kk", "place_ru",
                                                                "types") if getattr(args, name) is None]
        if missing:
            raise UsageError("OPTIONS_MISSING", "cli.error.provider_options", options=", ".join(missing))
        provider = _registry_call(lambda: registry.add_provider(
            args.id, name_kk=args.name_kk, name_ru=args.name_ru, bin=args.bin, place_kk=args.place_kk,
            place_ru=args.place_ru, doc_types=types, actor=args.actor), args.lang)
    print(_say("cli.provider", args.lang, id=provider.id, name_kk=provider.name_kk, name_ru=provider.name_ru,
               bin=provider.bin, place_kk=provider.place_kk, place_ru=provider.place_ru,
               types=", ".join(provider.doc_types) or _Word("cli.provider.nothing")))
    return EXIT_PASSED


def cmd_registry_signer(args: argparse.Namespace) -> int:
    import datetime as dt

    from eds.pki.certificates import Certificate, CertificateError

    try:
        cert = Certificate.load(_read(args.cert, "certificate"))
    except CertificateError as exc:
        raise UsageError(exc.code, "cli.error.in_file", path=args.cert, cause=exc) from None
    registry = _services().registry
    now = dt.datetime.now(dt.timezone.utc)
    types = args.types.split(",") if args.types else None
    if args.update:
        signer = _registry_call(lambda: registry.update_signer(
            cert.sha256, position_kk=args.position_kk, position_ru=args.position_ru, head=args.head,
            doc_types=types, actor=args.actor), args.lang)
    else:
        missing = [f"--{name.replace('_', '-')}" for name in ("position_kk", "position_ru", "types")
                   if getattr(args, name) is None]
        if missing:
            raise UsageError("OPTIONS_MISSING", "cli.error.signer_options", options=", ".join(missing))
        signer = _registry_call(lambda: registry.add_signer(
            args.provider, cert_der=cert.der, iin=cert.iin or "", name=args.name or cert.common_name or "",
            position_kk=args.position_kk, position_ru=args.position_ru, head=bool(args.head), doc_types=types,
            valid_from=now, valid_to=min(cert.not_after, now + dt.timedelta(days=args.days)), actor=args.actor),
            args.lang)
    print(_say("cli.signer", args.lang, name=signer.name, fingerprint=signer.cert_sha256[:16],
               position_kk=signer.position_kk, position_ru=signer.position_ru,
               head=_Word("cli.signer.head") if signer.head else "", types=", ".join(signer.doc_types),
               provider=signer.provider_id, until=f"{signer.valid_to:%Y-%m-%d}"))
    return EXIT_PASSED


def cmd_audit_verify(args: argparse.Namespace) -> int:
    if args.checkpoints is not None:
        return _verify_checkpoints(args)
    report = _existing_registry().verify_journal()
    if report.ok:
        print(_say("cli.journal.intact", args.lang, entries=report.entries_checked))
        return EXIT_PASSED
    print(_say("cli.journal.broken_at", args.lang, seq=report.first_broken_seq, reason=report.reason)
          + (f" ({report.detail})" if report.detail else ""))
    return EXIT_FAILED


def _verify_checkpoints(args: argparse.Namespace) -> int:
    """The journal against the signed checkpoints in a folder: a cut tail, a rollback, a rewrite, bad series."""
    from eds.pki.certificates import Certificate

    _existing_registry()
    signers = tuple(Certificate.load(_read(path, "certificate")).der for path in args.signer_cert)
    report = _services().verify_checkpoints(Path(args.checkpoints), signers)
    for refused in report.refused:
        print(_say("cli.journal.checkpoint_refused", args.lang, file=refused.path.name, code=refused.code,
                   message=_coded(refused.code, refused.message, args.lang)))
    latest = report.latest
    if report.ok:
        since = _say("cli.journal.since", args.lang, seq=latest.seq, time=latest.gen_time.isoformat(),
                     since=report.entries_checked - latest.seq) if latest else _say("cli.journal.no_checkpoint", args.lang)
        print(_say("cli.journal.intact_checkpoints", args.lang, entries=report.entries_checked,
                   checkpoints=report.checkpoints_checked, since=since))
        return EXIT_PASSED
    broken = _say("cli.journal.broken_at", args.lang, seq=report.first_broken_seq, reason=report.reason) \
        if report.first_broken_seq else _say("cli.journal.broken", args.lang, reason=report.reason)
    print(broken + (f" ({report.detail})" if report.detail else ""))
    return EXIT_FAILED


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    print(_services().checkpoint(Path(args.dir) if args.dir else None))
    return EXIT_PASSED


# --- api keys ----------------------------------------------------------------------------------------

def cmd_api_key_create(args: argparse.Namespace) -> int:
    from eds.issuing.access import ApiKeys
    from eds.pki.trust import eds_home

    keys = ApiKeys(eds_home() / "api-keys.json")
    token = keys.create(args.name, args.scope, signing_keys=args.signing_key, providers=args.provider,
                        rate_per_minute=args.rate)  # a scope it does not know is a refusal (AccessError) main prints
    print(token)
    print(_say("cli.api_key.shown_once", args.lang, path=keys.path), file=sys.stderr)
    return EXIT_PASSED


# --- serve / run -------------------------------------------------------------------------------------

def _public_url(host: str, port: int, lang: str = "en") -> None:
    """QR codes link to EDS_PUBLIC_URL, else to the address the API really listens on (``--host``/``--port``);
    the gunicorn workers inherit it. A wildcard address is no link: the machine's name stands in, with a warning."""
    import os
    import socket

    if os.environ.get("EDS_PUBLIC_URL"):
        return
    if host in ("", "0.0.0.0", "::"):
        name = socket.getfqdn()
        print(f"eds: warning: {_say('cli.warning.public_url', lang, name=name, port=port)}", file=sys.stderr)
    else:
        name = f"[{host}]" if ":" in host else host
    os.environ["EDS_PUBLIC_URL"] = f"http://{name}:{port}"


def cmd_serve(args: argparse.Namespace) -> int:
    from api.serving import serve

    _public_url(args.host, args.port, args.lang)
    return serve(host=args.host, port=args.port, workers=args.workers)


def cmd_run(args: argparse.Namespace) -> int:
    from api.serving import run_embedded

    _public_url(args.host, args.port, args.lang)
    return run_embedded(host=args.host, port=args.port, pki_port=args.pki_port)


# --- info ------------------------------------------------------------------------------------------

def _version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from eds.pki.trust import eds_home

    try:
        number = version("eds")
    except PackageNotFoundError:
        number = "unknown"
    return f"eds {number} (EDS_HOME {eds_home()})"


class _PrintVersion(argparse.Action):
    """``--version`` as one unwrapped line: argparse's own would fold a long EDS_HOME path."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        print(_version_text())
        parser.exit()


def cmd_info(args: argparse.Namespace) -> int:
    """Where this eds keeps its state and what it would use, so that "which registry is this?" has an answer."""
    import importlib.util
    import os

    from eds.service import Settings

    settings = Settings.from_env({})
    print(_version_text())
    how = _say("cli.info.home_set" if os.environ.get("EDS_HOME") else "cli.info.home_found", args.lang)
    print(f"  EDS_HOME: {settings.home} ({how})")
    print(_say("cli.info.registry", args.lang, url=settings.database_url))
    print(_say("cli.info.trust", args.lang, name=settings.trust))
    print(_say("cli.info.keys", args.lang, path=settings.keys_file))
    installed = importlib.util.find_spec("test_pki") is not None
    print(_say("cli.info.test_pki", args.lang, state=_Word("cli.info.installed" if installed else "cli.info.not_installed")))
    return EXIT_PASSED


# --- parser ------------------------------------------------------------------------------------------

def _add_check_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trust", help="trust profile name (test, nca) or folder (default test)")
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
    _add_lang(parser)


def _add_lang(parser: argparse.ArgumentParser, default: object = argparse.SUPPRESS) -> None:
    """``--lang``: the language of what the command prints for a person, its refusals too. The top parser holds
    the default (en); a command's own ``--lang`` only sets it when given, so either place works."""
    parser.add_argument("--lang", choices=["kk", "ru", "en"], default=default,
                        help="language of messages and refusals: kk, ru or en (default en)")


def _lang_everywhere(parser: argparse.ArgumentParser) -> None:
    """Every command built (see ``_Commands``) takes ``--lang`` after its name, as ``eds cert`` always did."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _lang_everywhere(sub)
            return
    if "--lang" not in parser._option_string_actions:
        _add_lang(parser)


class _NotParsed:
    """The parser of a command this run does not parse: what is added to it is dropped (see ``_Commands``)."""

    description: str | None = None

    def add_argument(self, *args: object, **kwargs: object) -> None:
        return None

    def set_defaults(self, **kwargs: object) -> None:
        return None

    def add_subparsers(self, **kwargs: object) -> "_NotParsed":
        return self

    def add_parser(self, *args: object, **kwargs: object) -> "_NotParsed":
        return self


class _Commands:
    """The top-level commands, each built only when it is the one this run parses (``only``), or all of them
    (``only`` None: help, a mistyped command, no command). argparse asks gettext for the texts of every
    sub-parser it builds, a catalogue look-up on disk each time: building all thirty for ``eds verify`` alone
    cost a start-up ~10 ms."""

    def __init__(self, action: argparse._SubParsersAction, only: str | None) -> None:
        self.action, self.only = action, only

    def add_parser(self, name: str, **kwargs: object):
        if self.only is not None and name != self.only:
            return _NotParsed()
        return self.action.add_parser(name, **kwargs)


COMMANDS = ("info", "pki", "trust", "cert", "sign", "verify", "issue", "registry", "audit", "api-key", "serve", "run")


def _command_of(argv: list[str] | None) -> str | None:
    """The command ``argv`` runs (its first word that is no option) when it is one of ``COMMANDS``, else None."""
    if argv is None:
        return None
    word = next((a for a in argv if not a.startswith("-")), None)
    if word not in COMMANDS or {"-h", "--help"} & set(argv[:argv.index(word)]):
        return None
    return word


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with ``argv``, only of the command it runs (the others are not needed)."""
    parser = argparse.ArgumentParser(prog="eds", description="EDS (ЭЦП) checks, signing and verification")
    parser.add_argument("--version", action=_PrintVersion, nargs=0, help="print the version and EDS_HOME, then exit")
    _add_lang(parser, default="en")
    commands = _Commands(parser.add_subparsers(dest="command", required=True), _command_of(argv))
    commands.add_parser("info", help="version, state folder (EDS_HOME), registry and trust profile in use").set_defaults(
        func=cmd_info)

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
    sign_hash = sign.add_parser("hash", help="make the detached CMS over a given hash, as NCALayer's "
                                             "createCAdESFromBase64Hash does (two-step signing)")
    sign_hash.description = ("Sign DIGEST_B64, the Base64 hash that POST /api/v1/documents/prepare answers as "
                             "digest, and print the CMS in Base64: the cms field of .../complete.")
    sign_hash.add_argument("digest", metavar="DIGEST_B64", help="the hash to sign, in Base64")
    sign_hash.add_argument("--key", required=True, metavar="P12", help="PKCS#12 file with the signing key")
    sign_hash.add_argument("--digest-alg", choices=DIGEST_ALGORITHMS,
                           help="the hash DIGEST_B64 was made with, as prepare's digestAlgorithm names it "
                                "(default: the one the key's algorithm goes with)")
    sign_hash.add_argument("--password-env", default="EDS_KEY_PASSWORD", metavar="VAR",
                           help="environment variable holding the password (default EDS_KEY_PASSWORD)")
    sign_hash.add_argument("--password-file", metavar="FILE", help="file holding the password")
    sign_hash.add_argument("--out", metavar="FILE", help="also write the CMS (DER) here")
    sign_hash.set_defaults(func=cmd_sign_hash)

    verify = commands.add_parser("verify", help="verify signed PDF, XML or CMS documents (files or folders)")
    verify.add_argument("paths", nargs="+", metavar="PATH")
    verify.add_argument("--jobs", type=int, default=None, help="worker processes for many files (default: cores)")
    verify.add_argument("--report", metavar="FILE", help="write a CSV (or .json) report of every file")
    verify.add_argument("--html", metavar="FILE", help="write the report of a single document as HTML")
    verify.add_argument("--detached", metavar="FILE", help="the content of a detached CMS")
    verify.add_argument("--iin-path", metavar="PATH", help="read the claimed IIN from the signed XML (e.g. applicant/iin)")
    verify.add_argument("--bin-path", metavar="PATH", help="read the claimed BIN from the signed XML")
    verify.add_argument("--expect-signer", action="append", default=[], metavar="iin=N[,bin=N]",
                        help="a signer who must have signed, in signing order (repeat for each; "
                             "a missing, extra or reordered signer is SIGNERS_MISMATCH)")
    _add_check_options(verify)
    verify.set_defaults(func=cmd_verify)

    issue = commands.add_parser("issue", help="issue a signed document (PDF and XML) and register it")
    issue.add_argument("type", help="document type, e.g. tv_radio_licence, scrap_metal_licence, refusal")
    issue.add_argument("--data", required=True, metavar="FILE.json", help="the document's fields")
    issue.add_argument("--provider", required=True, metavar="ID", help="the provider (state body) code")
    issue.add_argument("--key", "--signer", dest="key", required=True, metavar="KEY_ID",
                       help="the official's signing key (an id in $EDS_HOME/keys.json)")
    issue.add_argument("--actor", default="cli", help="who does it (for the journal)")
    issue.add_argument("--idempotency-key", metavar="K", help="a retried command with the same key returns the same document")
    issue.add_argument("--out", metavar="DIR", help="also write the signed PDF and XML here")
    issue.add_argument("--number", metavar="N", help="a licence number the state e-licensing system assigned "
                                                     "(e.g. KZ34VEG00012345); default: the registry numbers")
    issue.set_defaults(func=cmd_issue)

    registry = commands.add_parser("registry", help="the registry of issued documents").add_subparsers(
        dest="registry_command", required=True)
    show_doc = registry.add_parser("show", help="a document's record and life events")
    show_doc.add_argument("number")
    show_doc.add_argument("--out", metavar="DIR", help="also write its signed PDF and XML here")
    show_doc.set_defaults(func=cmd_registry_show)
    maintain = registry.add_parser("maintain", help="renew the proof of time of registered PDFs (PAdES B-LTA) whose "
                                                    "timestamp's TSA certificate or algorithm expires soon")
    maintain.add_argument("--before", type=int, default=90, metavar="DAYS",
                          help="renew what stops being proof within DAYS (default 90)")
    maintain.add_argument("--tsa", metavar="URL", help="the TSA of the new document timestamps (default "
                                                       "EDS_ARCHIVE_TSA_URL, else the profile's TSA)")
    maintain.add_argument("--number", action="append", default=[], metavar="N", help="only this document (repeatable)")
    maintain.add_argument("--json", action="store_true", help="one JSON object per document")
    maintain.add_argument("--actor", default="maintain", help="who does it (for the journal)")
    maintain.set_defaults(func=cmd_registry_maintain)
    for event in ("reissue", "duplicate", "suspend", "resume", "terminate"):
        sub = registry.add_parser(event, help=f"{event} a document")
        sub.add_argument("number")
        sub.add_argument("--reason", required=True, help=(
            "the ground, printed on the new document: reorganisation, name_change, address_change, "
            "person_name_change or 'other: TEXT'" if event == "reissue" else "why (for the journal)"))
        sub.add_argument("--actor", default="cli")
        if event in ("reissue", "duplicate"):
            sub.add_argument("--key", "--signer", dest="key", metavar="KEY_ID", required=True)
            sub.add_argument("--out", metavar="DIR")
            if event == "reissue":
                sub.add_argument("--data", metavar="FILE.json", help="changed fields (default: the old ones)")
        sub.set_defaults(func=cmd_registry_event, event=event)
    provider = registry.add_parser("provider", help="register a provider (state body), or --update one")
    provider.add_argument("id", help="2-8 capital letters/digits, part of its document numbers")
    provider.add_argument("--name-kk", help="its name as documents print it (header and licensor row)")
    provider.add_argument("--name-ru")
    provider.add_argument("--bin", help="its BIN (never changes)")
    provider.add_argument("--place-kk", help="the place of issue documents print, e.g. 'Тараз қ.'")
    provider.add_argument("--place-ru", help="e.g. 'г. Тараз'")
    provider.add_argument("--types", help="comma-separated document types of the services it provides")
    provider.add_argument("--update", action="store_true", help="change the given values of an existing provider")
    provider.add_argument("--actor", default="cli")
    provider.set_defaults(func=cmd_registry_provider)
    signer = registry.add_parser("signer", help="authorise an official's certificate to sign for a provider")
    signer.add_argument("provider")
    signer.add_argument("--cert", required=True, metavar="FILE")
    signer.add_argument("--position-kk", help="the position documents print under the name, in Kazakh")
    signer.add_argument("--position-ru", help="and in Russian")
    signer.add_argument("--head", action="store_true", default=None,
                        help="the provider's head (a head's service also needs the certificate's first-head role)")
    signer.add_argument("--types", help="comma-separated document types (services the provider provides)")
    signer.add_argument("--update", action="store_true", help="change the given values of a registered signer")
    signer.add_argument("--name", help="default: the certificate's CN")
    signer.add_argument("--days", type=int, default=365)
    signer.add_argument("--actor", default="cli")
    signer.set_defaults(func=cmd_registry_signer)

    audit = commands.add_parser("audit", help="the audit journal").add_subparsers(dest="audit_command", required=True)
    audit_verify = audit.add_parser("verify", help="check the hash chain and every record against it")
    audit_verify.add_argument("--checkpoints", metavar="DIR",
                              help="also against the signed checkpoints in DIR: a cut tail, a rolled-back head, "
                                   "a rewrite with recomputed hashes, number series that disagree")
    audit_verify.add_argument("--signer-cert", action="append", default=[], metavar="FILE",
                              help="a certificate of a checkpoint key used before (repeatable; the current "
                                   "EDS_CHECKPOINT_KEY's is always accepted)")
    audit_verify.set_defaults(func=cmd_audit_verify)
    checkpoint = audit.add_parser("checkpoint", help="sign and time-stamp the journal's head into a file now")
    checkpoint.add_argument("--dir", help="where to write it (default EDS_CHECKPOINT_DIR, $EDS_HOME/checkpoints)")
    checkpoint.set_defaults(func=cmd_audit_checkpoint)

    api_key = commands.add_parser("api-key", help="API keys of clients").add_subparsers(dest="api_key_command",
                                                                                       required=True)
    create = api_key.add_parser("create", help="create an API key and print it once")
    create.add_argument("--name", required=True, help="who the key is for")
    create.add_argument("--scope", action="append", required=True, choices=["verify", "issue", "sign", "admin"])
    create.add_argument("--signing-key", action="append", default=[], metavar="KEY_ID",
                        help="a signing key the client may use (repeatable; * for all)")
    create.add_argument("--provider", action="append", default=[], metavar="PROVIDER_ID",
                        help="a provider the client acts for: issues, changes and reads its documents (repeatable; "
                             "* for all)")
    create.add_argument("--rate", type=int, default=600, help="requests per minute (default 600)")
    create.set_defaults(func=cmd_api_key_create)

    serve = commands.add_parser("serve", help="run the HTTP API under gunicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None, help="default: 2 x cores + 1, at most 8")
    serve.set_defaults(func=cmd_serve)

    run = commands.add_parser(
        "run", help="the embedded default: test PKI, its services and the API",
        description="Build the test PKI on first use (in EDS_HOME), register the demo providers and officials, "
                    "serve the PKI's CRLs, OCSP responder and TSA, and the API under gunicorn, until Ctrl-C.")
    run.add_argument("--host", default="127.0.0.1", help="address of the API and the PKI services (default "
                                                          "127.0.0.1; 0.0.0.0 serves every interface)")
    run.add_argument("--port", type=int, default=8000, help="port of the API (default 8000)")
    run.add_argument("--pki-port", type=int, default=8780,
                     help="port of the test PKI's CRL/OCSP/TSA services (default 8780)")
    run.set_defaults(func=cmd_run)
    _lang_everywhere(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    # pyHanko logs every rejected modification with a traceback; the report already says what was wrong.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    from eds.errors import CodedError

    try:
        status = args.func(args)
        sys.stdout.flush()  # a reader that left shows up here, not as a traceback at exit
        return status
    except (UsageError, CodedError) as exc:  # a refusal: one line, its code, in the language asked
        print(_error_line(exc, args.lang), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return _quiet_after_broken_pipe()


def _quiet_after_broken_pipe() -> int:
    """``eds verify ... | head``: the reader left; stop without a traceback, and let the final flush go nowhere."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
