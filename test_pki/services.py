"""Live HTTP services of the test PKI on loopback: CRLs, OCSP, TSA, CA certificates.

Faults can be switched on at run time (``POST /admin/faults``) so that tests and the reliability report
can watch the validator meet a responder that is down, slow, stale or answering garbage, as the real
NCA services sometimes are; or hung (``hang``: the request is read and never answered, as a SIGSTOPped
server does), answering without end (``oversized``: bytes with no length until the client hangs up), or
redirecting off the web (``redirect_file``: to file:///etc/passwd; ``redirect_private``: to an internal host).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import json
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp

from test_pki import generator
from test_pki.authority import TestPki

_HOSTILE = {"hang", "oversized", "redirect_file", "redirect_private"}
FAULTS = {
    "ocsp": {"down", "slow", "garbage", "truncated", "not_http", "try_later", "stale", "wrong_nonce", "bad_signature",
             *_HOSTILE},
    "crl": {"down", "slow", "expired", "bad_signature", "garbage", "truncated", "not_http", *_HOSTILE},
    "tsa": {"down", "garbage", "truncated", "not_http", *_HOSTILE},
}
SLOW_SECONDS = 3.0
HANG_SECONDS = 120.0  # a hung request is let go (unanswered) when its fault is switched off, or after this
REDIRECTS = {"redirect_file": "file:///etc/passwd", "redirect_private": "http://10.255.255.1/crl/internal.crl"}
STALE_AGE = _dt.timedelta(days=3)


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


class PkiServer(ThreadingHTTPServer):
    """An HTTP server bound to one TestPki, with a fault switchboard."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], pki: TestPki) -> None:
        super().__init__(address, _Handler)
        self.pki = pki
        self.faults: dict[str, str] = {}
        self.hits: dict[str, int] = {"ocsp": 0, "crl": 0, "tsa": 0}
        self.counting = threading.Lock()  # requests come in on many threads; tests compare exact counts

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (its timeout during a slow fault) is expected here, not an error to print."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: PkiServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # quiet: the tests start many of these
        return

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self, fault: str | None, body: bytes, content_type: str) -> None:
        """A 200 answer. Under ``truncated`` the whole length is announced, half the body sent and the
        connection closed; under ``not_http`` the reply is not HTTP at all (no status line)."""
        if fault == "not_http":
            self.wfile.write(b"\x00\x01 this is not an HTTP reply\r\n\r\n")
            self.close_connection = True
            return
        if fault != "truncated":
            self._send(200, body, content_type)
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:len(body) // 2])
        self.close_connection = True

    def _fault(self, service: str) -> str | None:
        """The fault of ``service``; the hostile ones are played here, and then the request is answered (None)."""
        with self.server.counting:
            self.server.hits[service] += 1
        fault = self.server.faults.get(service)
        if fault == "slow":
            time.sleep(SLOW_SECONDS)
        elif fault == "hang":
            until = time.monotonic() + HANG_SECONDS
            while self.server.faults.get(service) == "hang" and time.monotonic() < until:
                time.sleep(0.05)
            self.close_connection = True
            return "answered"
        elif fault == "oversized":
            self._endless()
            return "answered"
        elif fault in REDIRECTS:
            self.send_response(302)
            self.send_header("Location", REDIRECTS[fault])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return "answered"
        return fault

    def _endless(self) -> None:
        """200 with no Content-Length and bytes until the client hangs up (or 4 GiB)."""
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        block = b"\x30" * 65536
        try:
            for _ in range(65536):
                self.wfile.write(block)
        except OSError:
            pass
        self.close_connection = True

    def do_GET(self) -> None:
        path = urllib.parse.urlparse(self.path).path
        pki = self.server.pki
        if path.startswith("/crl/"):
            self._crl(path[len("/crl/"):])
        elif path.startswith("/ocsp/") and len(path) > len("/ocsp/"):
            try:
                request = base64.b64decode(urllib.parse.unquote(path[len("/ocsp/"):]), validate=True)
            except ValueError:
                self._send(400, b"bad OCSP GET request", "text/plain")
                return
            self._ocsp(request)
        elif path.startswith("/ca/") and path.endswith(".cer"):
            signer = pki.signers.get(path[len("/ca/"):-len(".cer")])
            if signer is None:
                self._send(404, b"no such CA", "text/plain")
            else:
                self._send(200, signer.cert.public_bytes(serialization.Encoding.DER), "application/pkix-cert")
        elif path == "/healthz":
            self._send(200, b'{"status":"ok"}', "application/json")
        elif path == "/admin/stats":
            self._send(200, json.dumps(self.server.hits).encode(), "application/json")
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        path = urllib.parse.urlparse(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        if length > 1_000_000:
            self._send(413, b"too large", "text/plain")
            return
        body = self.rfile.read(length)
        if path.startswith("/ocsp"):
            self._ocsp(body)
        elif path.startswith("/tsp"):
            self._tsa(body, path.strip("/").split("/")[1] if path.count("/") > 1 and path.strip("/") != "tsp"
                      else "tsa")
        elif path == "/admin/faults":
            self._set_faults(body)
        elif path == "/admin/revoke":
            self._revoke(body)
        else:
            self._send(404, b"not found", "text/plain")

    def _crl(self, file_name: str) -> None:
        pki = self.server.pki
        entry = pki.crl_files().get(file_name)
        if entry is None:
            self._send(404, b"no such CRL", "text/plain")
            return
        fault = self._fault("crl")
        if fault == "answered":
            return
        if fault == "down":
            self._send(503, b"unavailable", "text/plain")
            return
        if fault == "garbage":
            self._send(200, b"\x30\x03garbage", "application/pkix-crl")
            return
        now = _now() - (_dt.timedelta(days=2) if fault == "expired" else _dt.timedelta(0))
        der = pki.crl(entry[0], now, delta=entry[1])
        if fault == "bad_signature":
            der = der[:-8] + bytes(b ^ 0xFF for b in der[-8:])
        self._answer(fault, der, "application/pkix-crl")

    def _ocsp(self, request: bytes) -> None:
        fault = self._fault("ocsp")
        if fault == "answered":
            return
        if fault == "down":
            self._send(503, b"unavailable", "text/plain")
            return
        if fault == "garbage":
            self._send(200, b"<html>not ocsp</html>", "application/ocsp-response")
            return
        if fault == "try_later":
            body = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)
            self._send(200, body.public_bytes(serialization.Encoding.DER), "application/ocsp-response")
            return
        now = _now() - (STALE_AGE if fault == "stale" else _dt.timedelta(0))
        if fault == "wrong_nonce":
            request = _replace_nonce(request)
        der = self.server.pki.ocsp_response(request, now)
        if fault == "bad_signature":
            signature = ocsp.load_der_ocsp_response(der).signature
            der = der.replace(signature, signature[:-4] + bytes(b ^ 0xFF for b in signature[-4:]))
        self._answer(fault, der, "application/ocsp-response")

    def _tsa(self, request: bytes, name: str = "tsa") -> None:
        if name not in self.server.pki.signers or self.server.pki.manifest["identities"].get(name, {}).get(
                "purpose") != "TSA":
            self._send(404, b"no such TSA", "text/plain")
            return
        fault = self._fault("tsa")
        if fault == "answered":
            return
        if fault == "down":
            self._send(503, b"unavailable", "text/plain")
            return
        if fault == "garbage":
            self._send(200, b"garbage", "application/timestamp-reply")
            return
        answer = self.server.pki.timestamp_response(request, _now(), name)
        self._answer(fault, answer, "application/timestamp-reply")

    def _set_faults(self, body: bytes) -> None:
        try:
            wanted = json.loads(body or b"{}")
            for service, fault in wanted.items():
                if fault is not None and fault not in FAULTS[service]:
                    raise ValueError(f"unknown fault {fault!r} for {service}")
        except (ValueError, KeyError, AttributeError) as exc:
            self._send(400, str(exc).encode(), "text/plain")
            return
        for service, fault in wanted.items():
            if fault is None:
                self.server.faults.pop(service, None)
            else:
                self.server.faults[service] = fault
        self._send(200, json.dumps(self.server.faults).encode(), "application/json")

    def _revoke(self, body: bytes) -> None:
        try:
            wanted = json.loads(body)
            self.server.pki.revoke(wanted["name"], wanted.get("reason", "key_compromise"))
        except (ValueError, KeyError, TypeError) as exc:
            self._send(400, f"bad revoke request: {exc}".encode(), "text/plain")
            return
        self._send(200, b'{"revoked":true}', "application/json")


def _replace_nonce(request: bytes) -> bytes:
    """Rebuild the request with another nonce, so the answer echoes a nonce the client never sent."""
    from cryptography import x509

    parsed = ocsp.load_der_ocsp_request(request)
    builder = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        parsed.issuer_name_hash, parsed.issuer_key_hash, parsed.serial_number, parsed.hash_algorithm)
    builder = builder.add_extension(x509.OCSPNonce(b"\x00" * 16), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def start(directory: str | Path, host: str = "127.0.0.1", port: int = 0) -> PkiServer:
    """Start the services in a background thread; ``server.shutdown()`` stops them."""
    server = PkiServer((host, port), TestPki.load(directory))
    threading.Thread(target=server.serve_forever, name="test-pki", daemon=True).start()
    return server


@contextlib.contextmanager
def temporary() -> Iterator[tuple[Path, PkiServer]]:
    """A fresh test PKI in a temporary folder with its services on a free port; removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        directory = Path(tmp) / "pki"
        generator.generate(directory, base_url=f"http://127.0.0.1:{port}")
        server = start(directory, port=port)
        try:
            yield directory, server
        finally:
            server.shutdown()
            server.server_close()
