"""The HTTP API under real gunicorn: POST /api/v1/requests/verify with 1 and then 2 workers, and a mixed run.

Run: .venv/bin/python bench/api.py

A fresh test PKI and its services, a home set up as `eds run` does (keys, providers, an API key), then
`eds serve --workers N` as a subprocess, loaded with wrk (one thread; `apt-get install wrk`) for SECONDS on a
small RSA-signed XML request. Each worker is warmed first (its own path and OCSP caches). Without wrk, a load
generator of CONNECTIONS processes on http.client takes its place (it needs more CPU than wrk, so the figures
are lower). The mixed run issues a licence in every fifth request and verifies in the others.
"""

from __future__ import annotations

import base64
import http.client
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from eds.issuing.access import ApiKeys
from eds.issuing.documents.examples import EXAMPLES
from eds.issuing.registry import Registry
from eds.pki.keys import SigningKey
from eds.signatures import xmldsig
from test_pki import demo, services

SECONDS = 10
MIXED_SECONDS = 5
CONNECTIONS = 4
ROOT = Path(__file__).resolve().parent.parent  # the subprocess runs here: bench/api.py must not shadow `api`
VERIFY = "/api/v1/requests/verify"
ISSUE = "/api/v1/documents"

_LUA = """
local every, n, verify_request, issue_request = %(every)d, 0, nil, nil
function init(args)
  local headers = {["Content-Type"] = "application/json", ["X-API-Key"] = %(key)s}
  verify_request = wrk.format("POST", "%(verify_path)s", headers, %(verify)s)
  issue_request = wrk.format("POST", "%(issue_path)s", headers, %(issue)s)
end
function request()
  n = n + 1
  if every > 0 and n %% every == 0 then return issue_request end
  return verify_request
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _lua(value: str) -> str:
    return "[==[" + value + "]==]"


class Server:
    """`eds serve` on a free port, as a subprocess; stopped with SIGTERM (gunicorn's graceful stop)."""

    def __init__(self, env: dict[str, str], workers: int) -> None:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "eds.cli", "serve", "--port", str(self.port), "--workers", str(workers)],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1).read()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("eds serve did not come up") from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _post(port: int, path: str, body: bytes, token: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", path, body, {"Content-Type": "application/json", "X-API-Key": token})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _wrk(port: int, seconds: int, script: Path) -> dict:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s", "--latency", "-s", str(script),
               f"http://127.0.0.1:{port}{VERIFY}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def milliseconds(percentile: str) -> float:
        value, unit = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE).groups()
        return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]

    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": milliseconds("50"), "p99": milliseconds("99"),
            "errors": (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, errors.groups())) if errors else 0),
            "detail": " ".join(match.group(0) for match in (errors, non_2xx) if match)}


def _client(port: int, seconds: float, bodies: list[tuple[str, bytes]], token: str, queue) -> None:
    latencies, errors, n = [], 0, 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        path, body = bodies[n % len(bodies)]
        n += 1
        start = time.perf_counter()
        try:
            status, _ = _post(port, path, body, token)
            errors += not 200 <= status < 300
        except OSError:
            errors += 1
        latencies.append(time.perf_counter() - start)
    queue.put((latencies, errors))


def _python_load(port: int, seconds: int, bodies: list[tuple[str, bytes]], token: str) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    clients = [context.Process(target=_client, args=(port, seconds, bodies, token, queue)) for _ in range(CONNECTIONS)]
    [client.start() for client in clients]
    results = [queue.get(timeout=seconds + 60) for _ in clients]
    [client.join() for client in clients]
    latencies = sorted(latency for result in results for latency in result[0])
    return {"requests": len(latencies), "rps": len(latencies) / seconds,
            "p50": latencies[len(latencies) // 2] * 1e3, "p99": latencies[int(len(latencies) * 0.99)] * 1e3,
            "errors": sum(result[1] for result in results), "detail": ""}


def _load(port: int, seconds: int, verify: bytes, issue: bytes | None, token: str, workdir: Path) -> dict:
    every = 5 if issue else 0
    if shutil.which("wrk"):
        script = workdir / f"load-{every}.lua"
        script.write_text(_LUA % {"verify": _lua(verify.decode()), "issue": _lua((issue or b"").decode()),
                                  "key": _lua(token), "every": every, "verify_path": VERIFY, "issue_path": ISSUE})
        return _wrk(port, seconds, script)
    bodies = [(VERIFY, verify)] * (every - 1 if every else 1) + ([(ISSUE, issue)] if issue else [])
    return _python_load(port, seconds, bodies, token)


def _warm(port: int, workers: int, verify: bytes, token: str) -> None:
    """Enough requests that every worker has built its services and cached the path and OCSP answer."""
    for _ in range(20 * workers):
        status, body = _post(port, VERIFY, verify, token)
        if status != 200 or not json.loads(body)["accepted"]:
            raise RuntimeError(f"warm-up request refused: {status} {body[:300]!r}")


def main() -> None:
    with services.temporary() as (pki, _server), tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        registry = Registry.open(f"sqlite:///{home / 'registry.db'}")
        demo.bootstrap(home, pki, registry)
        token = ApiKeys(home / "api-keys.json").create("bench", ["verify", "issue"], signing_keys=["*"],
                                                       providers=["ZHM"], rate_per_minute=1_000_000_000)
        key = SigningKey.from_pkcs12((pki / "users/individual_sign.p12").read_bytes(), "Qwerty12")
        document = (f"<request><applicant><iin>{key.certificate.iin}</iin></applicant>"
                    "<service>tv_radio_licence</service></request>").encode()
        signed = xmldsig.sign_xml(document, key.private_key, key.certificate.der)
        verify = json.dumps({"document": base64.b64encode(signed).decode(), "iinPath": "applicant/iin"}).encode()
        licence = dict(EXAMPLES["scrap_metal_licence"])
        issue = json.dumps({"type": "scrap_metal_licence", "providerId": "ZHM", "keyId": "official_region",
                            "data": licence}).encode()
        env = {**os.environ, "EDS_HOME": str(home), "EDS_TRUST": str(pki)}
        tool = "wrk -t1" if shutil.which("wrk") else "python http.client processes"
        print(f"POST {VERIFY}, small RSA-signed XML, {CONNECTIONS} connections ({tool}), {SECONDS} s per run, "
              f"{os.cpu_count()} cores")
        results = {}
        for workers in (1, 2):
            server = Server(env, workers)
            try:
                _warm(server.port, workers, verify, token)
                results[workers] = result = _load(server.port, SECONDS, verify, None, token, home)
            finally:
                server.stop()
            print(f"  {workers} worker{'s' if workers > 1 else ' '}: {result['rps']:8.1f} requests/s  "
                  f"p50 {result['p50']:6.2f} ms  p99 {result['p99']:6.2f} ms  "
                  f"{result['requests']} requests, non-2xx/errors {result['errors']} {result['detail']}")
        print(f"  2 workers / 1 worker: {results[2]['rps'] / results[1]['rps']:.2f}x (target >= 1.7x on 2 cores)")
        server = Server(env, 2)
        try:
            _warm(server.port, 2, verify, token)
            before = registry.journal_head()[0]
            mixed = _load(server.port, MIXED_SECONDS, verify, issue, token, home)
        finally:
            server.stop()
        issued, journal = registry.journal_head()[0] - before, registry.verify_journal()
        registry.close()
        print(f"mixed, 2 workers, one issue in five requests, {MIXED_SECONDS} s: {mixed['rps']:.1f} requests/s  "
              f"p50 {mixed['p50']:.2f} ms  p99 {mixed['p99']:.2f} ms  {mixed['requests']} requests "
              f"({issued} documents issued), non-2xx/errors {mixed['errors']} {mixed['detail']}; "
              f"journal verifies: {journal.ok}")


if __name__ == "__main__":
    main()
