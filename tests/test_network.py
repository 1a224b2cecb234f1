"""eds.pki.network on its own: the budget, which URLs and hosts, redirects, size limits, and a server that trickles.

The servers here are plain sockets on loopback, so each misbehaviour is exact: one that accepts and never
answers, one that sends a byte a second, one that redirects, one that declares or streams too much.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from eds.pki import network

LOCAL = network.UrlPolicy(("127.0.0.1",))  # loopback allowed, any port


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[socket.socket], None]], str]]:
    """Start a one-purpose server (``handle`` gets each accepted connection) and return its base URL."""
    listeners: list[socket.socket] = []

    def start(handle: Callable[[socket.socket], None]) -> str:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listeners.append(listener)

        def loop() -> None:
            while True:
                try:
                    connection, _ = listener.accept()
                except OSError:
                    return
                threading.Thread(target=_quietly, args=(handle, connection), daemon=True).start()

        threading.Thread(target=loop, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    for listener in listeners:
        listener.close()


def _quietly(handle: Callable[[socket.socket], None], connection: socket.socket) -> None:
    try:
        connection.recv(65536)
        handle(connection)
    except OSError:
        pass
    finally:
        connection.close()


def _reply(head: str, body: bytes = b"") -> Callable[[socket.socket], None]:
    return lambda connection: connection.sendall(head.encode() + b"\r\n\r\n" + body)


def _code(call: Callable[[], object]) -> network.NetworkError:
    with pytest.raises(network.NetworkError) as caught:
        call()
    return caught.value


def test_only_http_and_https_urls_with_a_host():
    for url in ("file:///etc/passwd", "gopher://127.0.0.1/", "ldap://ca.example/cn=crl", "http:///x",
                "ftp://crl.pki.gov.kz/a.crl", "http://host:99999/"):
        error = _code(lambda url=url: network.fetch(url, kind="crl", policy=LOCAL))
        assert isinstance(error, network.UrlRefused) and error.code == "URL_REFUSED" and error.url == url


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "[::1]", "0.0.0.0",
                                  "[::ffff:127.0.0.1]", "100.64.0.1"])
def test_non_public_hosts_are_refused_unless_allowed(host):
    error = _code(lambda: network.fetch(f"http://{host}:8080/a.crl", kind="crl", policy=network.UrlPolicy()))
    assert error.code == "URL_REFUSED" and "not a public address" in error.message


def test_allowed_entries_name_an_origin_a_host_or_a_network():
    policy = network.UrlPolicy.trusting(["http://127.0.0.1:8780/crl/a.crl", None], ["10.0.0.0/8", "localhost"])
    assert policy.allowed == ("127.0.0.1:8780", "10.0.0.0/8", "localhost")
    vet = policy.vet
    vet("http://127.0.0.1:8780/x", "crl", "127.0.0.1", 8780, [network._address("127.0.0.1")])
    vet("http://10.9.9.9/x", "crl", "10.9.9.9", 80, [network._address("10.9.9.9")])
    vet("http://localhost:5/x", "crl", "localhost", 5, [network._address("127.0.0.1")])
    with pytest.raises(network.UrlRefused):  # the same host on another port is another origin
        vet("http://127.0.0.1:6379/x", "crl", "127.0.0.1", 6379, [network._address("127.0.0.1")])
    with pytest.raises(network.UrlRefused):  # a public name resolving to a private address is not allowed
        vet("http://crl.example/x", "crl", "crl.example", 80, [network._address("192.168.1.1")])


def test_hung_server_ends_at_the_budget(serve):
    url = serve(lambda connection: time.sleep(30))  # reads the request, never answers
    with network.budget(1.0) as active:
        error, seconds = _timed(lambda: _code(lambda: network.fetch(url, kind="ocsp", policy=LOCAL)))
        assert error.code == "DEADLINE" and 1.0 <= seconds < 2.5
        assert active.remaining() == 0
        error, seconds = _timed(lambda: _code(lambda: network.fetch(url, kind="crl", policy=LOCAL)))
        assert error.code == "DEADLINE" and seconds < 0.1  # nothing left: not even a connection


def test_trickling_server_is_cut_at_the_deadline(serve):
    """A byte a second never trips a read timeout; the deadline ends it anyway."""
    def trickle(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):
            connection.sendall(b"x")
            time.sleep(0.3)

    url = serve(trickle)
    with network.budget(1.5):
        error, seconds = _timed(lambda: _code(lambda: network.fetch(url, kind="crl", policy=LOCAL)))
    assert error.code == "DEADLINE" and seconds < 3


def test_a_nested_budget_is_tighter_and_spends_the_outer(serve):
    url = serve(lambda connection: time.sleep(30))
    with network.budget(3.0) as outer:
        with network.budget(0.5):
            assert _code(lambda: network.fetch(url, kind="ocsp", policy=LOCAL)).code == "DEADLINE"
        assert 2.2 < outer.remaining() <= 2.5
        with network.budget() as same:
            assert same is outer


def test_size_limits_declared_and_streamed(serve):
    declared = serve(_reply("HTTP/1.1 200 OK\r\nContent-Length: 999999999"))
    error = _code(lambda: network.fetch(declared, kind="ocsp", policy=LOCAL))
    assert error.code == "RESPONSE_TOO_LARGE" and error.details["max"] == network.MAX_BYTES["ocsp"]

    def endless(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        while True:
            connection.sendall(b"0" * 65536)

    streamed = serve(endless)
    error = _code(lambda: network.fetch(streamed, kind="crl", policy=LOCAL, max_bytes=1_000_000))
    assert error.code == "RESPONSE_TOO_LARGE"
    exact = serve(_reply("HTTP/1.1 200 OK\r\nContent-Length: 5", b"12345"))
    assert network.fetch(exact, kind="crl", policy=LOCAL, max_bytes=5) == b"12345"


def test_redirects_keep_the_scheme_are_checked_and_end(serve):
    target = serve(_reply("HTTP/1.1 200 OK\r\nContent-Length: 2", b"ok"))
    hop = serve(_reply(f"HTTP/1.1 302 Found\r\nLocation: {target}/crl\r\nContent-Length: 0"))
    assert network.fetch(hop, kind="crl", policy=LOCAL) == b"ok"
    for location, refused in (("file:///etc/passwd", "file:///etc/passwd"),
                              ("https://127.0.0.1/a.crl", "https://127.0.0.1/a.crl"),
                              ("http://10.0.0.7/a.crl", "http://10.0.0.7/a.crl")):
        url = serve(_reply(f"HTTP/1.1 301 Moved\r\nLocation: {location}\r\nContent-Length: 0"))
        error = _code(lambda url=url: network.fetch(url, kind="crl", policy=LOCAL))
        assert error.code == "URL_REFUSED" and error.url == refused
    loop: list[str] = []
    loop.append(serve(lambda connection: connection.sendall(
        f"HTTP/1.1 302 Found\r\nLocation: {loop[0]}/again\r\nContent-Length: 0\r\n\r\n".encode())))
    assert _code(lambda: network.fetch(loop[0], kind="crl", policy=LOCAL)).code == "UNREACHABLE"
    post = serve(_reply(f"HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0"))
    error = _code(lambda: network.fetch(post, kind="ocsp", policy=LOCAL, body=b"request"))
    assert error.code == "HTTP_ERROR" and error.details["status"] == 302  # a POST follows only 307 and 308


def test_errors_and_bad_answers(serve):
    assert _code(lambda: network.fetch(serve(_reply("HTTP/1.1 503 Busy\r\nContent-Length: 0")), kind="crl",
                                       policy=LOCAL)).details["status"] == 503
    assert _code(lambda: network.fetch(serve(_reply("not http at all")), kind="crl", policy=LOCAL)).code \
        == "UNREACHABLE"
    truncated = serve(_reply("HTTP/1.1 200 OK\r\nContent-Length: 10", b"12345"))
    assert _code(lambda: network.fetch(truncated, kind="crl", policy=LOCAL)).code == "UNREACHABLE"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    assert _code(lambda: network.fetch(closed, kind="crl", policy=LOCAL)).code == "UNREACHABLE"


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_https_verifies_the_name_of_the_url_on_the_address_it_checked(tmp_path, monkeypatch):
    """TLS goes to the checked address and verifies the certificate for the URL's host name (SNI too)."""
    import datetime as dt
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    client_side = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
    monkeypatch.setattr(network, "_TLS", [client_side])

    def tls(connection: socket.socket) -> None:
        with server_side.wrap_socket(connection, server_side=True) as wrapped:
            wrapped.recv(65536)
            wrapped.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nTLS")

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]

    def accept() -> None:
        for _ in range(2):
            connection, _ = listener.accept()
            threading.Thread(target=_quiet_tls, args=(tls, connection), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        assert network.fetch(f"https://localhost:{port}/a.crl", kind="crl",
                             policy=network.UrlPolicy(("localhost",))) == b"TLS"
        error = _code(lambda: network.fetch(f"https://127.0.0.1:{port}/a.crl", kind="crl", policy=LOCAL))
        assert error.code == "UNREACHABLE" and "certificate" in error.message.lower()  # not the name it is for
    finally:
        listener.close()


def _quiet_tls(handle: Callable[[socket.socket], None], connection: socket.socket) -> None:
    try:
        handle(connection)
    except (OSError, ValueError):
        pass
    finally:
        connection.close()
