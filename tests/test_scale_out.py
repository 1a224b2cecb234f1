"""Scale-out: two `eds serve` processes (gunicorn, one worker each) on one PostgreSQL registry and one EDS_HOME.

Documents issued concurrently through both get distinct numbers, each instance serves what the other issued, the
journal verifies, and an Idempotency-Key retried against the other instance returns the same document. Never
skips: scripts/postgres installs PostgreSQL when it is missing.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from eds.issuing.access import ApiKeys
from eds.issuing.documents.examples import EXAMPLES
from eds.issuing.registry import Registry
from test_pki import demo

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "postgres"
PER_THREAD = 10  # documents each of the two client threads issues, alternating between the instances


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres(command: str, directory: str) -> str:
    result = subprocess.run([str(SCRIPT), command, "--dir", directory], capture_output=True, text=True,
                            timeout=900, check=False)
    if result.returncode != 0:
        pytest.fail(f"scripts/postgres {command} failed (exit {result.returncode}):\n{result.stderr}", pytrace=False)
    return result.stdout.strip()


class Instance:
    """One `eds serve --workers 1` subprocess; its output goes to a log file shown when a test fails."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "eds.cli", "serve", "--port", str(self.port), "--workers", "1"],
                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=1).read()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"eds serve on {self.port} did not come up:\n{self.log.read_text()[-3000:]}")
                time.sleep(0.1)

    def call(self, method: str, path: str, token: str, body: dict | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict | bytes]:
        request = urllib.request.Request(
            self.base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
            headers={"X-API-Key": token, "Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, data, kind = response.status, response.read(), response.headers.get_content_type()
        except urllib.error.HTTPError as error:
            status, data, kind = error.code, error.read(), error.headers.get_content_type()
        return status, json.loads(data) if kind == "application/json" else data

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def cluster():
    """A throwaway PostgreSQL under /tmp (the postgres user must reach it), removed afterwards."""
    directory = f"/tmp/eds-pg-scale-{uuid.uuid4().hex[:8]}"
    url = _postgres("start", directory)
    yield url
    subprocess.run([str(SCRIPT), "destroy", "--dir", directory], capture_output=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def deployment(cluster, tmp_path_factory, pki_dir, pki_server):
    """One home (keys, API keys, trust), one registry, two instances."""
    home = tmp_path_factory.mktemp("scale-out")
    registry = Registry.open(cluster)
    demo.bootstrap(home, pki_dir, registry)
    registry.close()
    token = ApiKeys(home / "api-keys.json").create("portal", ["issue", "verify"], signing_keys=["official_region"],
                                                   providers=["ZHM"])
    # B-T PDFs (EDS_LONG_TERM=0): embedding chain and revocation data costs CPU and proves nothing about sharing.
    env = {**os.environ, "EDS_HOME": str(home), "EDS_TRUST": str(pki_dir), "EDS_DATABASE_URL": cluster,
           "EDS_LONG_TERM": "0"}
    instances = [Instance(env, home / f"instance-{n}.log") for n in (1, 2)]
    try:
        for instance in instances:
            instance.wait_ready()
        yield cluster, token, instances
    finally:
        for instance in instances:
            instance.stop()


def _journal_ok(url: str) -> bool:
    registry = Registry.open(url)
    try:
        return registry.verify_journal().ok
    finally:
        registry.close()


def _licence() -> dict:
    data = dict(EXAMPLES["scrap_metal_licence"])
    return {"type": "scrap_metal_licence", "providerId": "ZHM", "keyId": "official_region", "data": data}


def test_two_instances_issue_concurrently_on_one_registry(deployment) -> None:
    url, token, instances = deployment
    registry = Registry.open(url)

    def issue(thread: int) -> list[tuple[int, str]]:
        issued = []
        for n in range(PER_THREAD):
            which = (thread + n) % 2
            status, body = instances[which].call("POST", "/api/v1/documents", token, _licence())
            assert status == 201, body
            issued.append((which, body["number"]))
        return issued

    with ThreadPoolExecutor(2) as pool:
        issued = [item for result in pool.map(issue, range(2)) for item in result]
    numbers = [number for _, number in issued]
    assert len(numbers) == 2 * PER_THREAD and len(set(numbers)) == len(numbers)
    for which, number in issued:
        other = instances[1 - which]
        status, record = other.call("GET", f"/api/v1/documents/{number}", token)
        assert status == 200 and record["number"] == number and record["events"][0]["kind"] == "issued"
        status, pdf = other.call("GET", f"/api/v1/documents/{number}/pdf", token)
        assert status == 200 and pdf == registry.file(number, "pdf")
    registry.close()
    assert _journal_ok(url)


def test_idempotency_key_retried_on_the_other_instance(deployment) -> None:
    _, token, (first, second) = deployment
    key = {"Idempotency-Key": f"portal-{uuid.uuid4().hex}"}
    status, original = first.call("POST", "/api/v1/documents", token, _licence(), key)
    assert status == 201, original
    status, retried = second.call("POST", "/api/v1/documents", token, _licence(), key)
    assert status == 201 and retried == original
    changed = _licence()
    changed["data"] = dict(changed["data"], sites=changed["data"]["sites"] * 2)
    status, conflict = second.call("POST", "/api/v1/documents", token, changed, key)
    assert status == 409 and conflict["code"] == "CONFLICT"


def test_same_idempotency_key_on_both_instances_at_once(deployment) -> None:
    url, token, instances = deployment
    key = {"Idempotency-Key": f"portal-{uuid.uuid4().hex}"}
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda instance: instance.call("POST", "/api/v1/documents", token, _licence(), key),
                                instances))
    assert [status for status, _ in answers] == [201, 201], answers
    assert answers[0][1]["number"] == answers[1][1]["number"]
    assert _journal_ok(url)
