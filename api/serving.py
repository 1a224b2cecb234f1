"""Serving the app under gunicorn, and the embedded default that the README's first command starts."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    """gunicorn configured in code, so ``eds serve`` needs no config file."""

    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from api import create_app, logs

        logs.configure()
        return create_app()


def gunicorn_options(host: str, port: int, workers: int | None, metrics_bind: str | None = None) -> dict:
    """Workers from cores (CPU-bound work: signatures), bounded timeouts; SIGHUP reloads workers gracefully.
    ``metrics_bind`` (EDS_METRICS_BIND) is a second listener, where the app serves /metrics alone."""
    from api.logs import GUNICORN_LOGCONFIG

    cores = multiprocessing.cpu_count()
    return {
        "bind": [f"{host}:{port}", *([metrics_bind] if metrics_bind else [])],
        "workers": workers or min(cores + 1, 8),
        # Threads in each worker: /healthz and /readyz are answered beside a check that waits on a slow evidence
        # server instead of queueing behind it. No request comes near the timeout: each is bounded by its own
        # budgets (network 5 s, registry lock wait 10 s, CPU 2 s).
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 30,
        "graceful_timeout": 20,
        "keepalive": 5,
        "max_requests": 20000,  # recycle workers now and then: bounded memory over months
        "max_requests_jitter": 2000,
        "accesslog": None,  # the app logs each request as JSON, with its request id
        "logconfig_dict": GUNICORN_LOGCONFIG,
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "control_socket_disable": True,  # one fixed socket path would collide between instances on a host
    }


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int | None = None) -> int:
    """Run the API under gunicorn until interrupted; refuse to start (one line, exit status 2) on settings it
    cannot use or signing keys whose files others may read (:func:`eds.issuing.keystore.load_keys`)."""
    from eds.errors import CodedError
    from eds.service import Settings, SettingError

    try:
        settings = Settings.from_env({})
        if settings.metrics_port == port:
            raise SettingError("SETTING_INVALID", f"EDS_METRICS_BIND must name another port than the API's ({port})",
                               {"variable": "EDS_METRICS_BIND"})
        settings.services().keys  # keys.json, the key files and their passwords' files are checked before serving
    except CodedError as exc:
        print(f"eds: error: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    _Gunicorn(gunicorn_options(host, port, workers, settings.metrics_bind)).run()
    return 0


def _wait_for(url: str, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {seconds:.0f} s")


def _first_use(home: Path, pki_dir: Path) -> None:
    """Keys, providers and officials from the test PKI; a demo API key printed once."""
    from eds.issuing.access import ApiKeys
    from eds.optional import load_test_pki
    from eds.service import Settings

    demo = load_test_pki("demo")
    settings = Settings.from_env({})
    if not (home / "keys.json").exists():
        registry = settings.services().registry
        providers = demo.bootstrap(home, pki_dir, registry)
        print(f"providers registered: {', '.join(f'{p} (key {k})' for p, k in providers.items())}", flush=True)
    keys = ApiKeys(home / "api-keys.json")
    if not keys.path.exists():
        token = keys.create("demo", ["verify", "issue", "sign", "admin"], signing_keys=["*"], providers=["*"])
        print(f"demo API key (shown once, stored hashed): {token}", flush=True)


def run_embedded(host: str = "127.0.0.1", port: int = 8000, pki_port: int = 8780) -> int:
    """Build the test PKI on first use, start its CRL/OCSP/TSA services and serve the API.

    Everything it writes (the PKI's keys and password file, keys.json, api-keys.json, the registry and its -wal,
    caches) is the service user's alone: files 0600, folders 0700; keys.json names the password file, and no
    password is written anywhere else."""
    from eds.optional import load_test_pki
    from eds.pki.trust import eds_home

    os.umask(0o077)
    generator = load_test_pki("generator")
    home = eds_home()
    pki_dir = home / "pki"
    os.environ["EDS_HOME"] = str(home)
    if not (pki_dir / "manifest.json").exists():
        generator.generate(pki_dir, base_url=f"http://127.0.0.1:{pki_port}")
        print(f"test PKI generated in {pki_dir}", flush=True)
    manifest = json.loads((pki_dir / "manifest.json").read_text(encoding="utf-8"))
    if "password_file" not in manifest:  # made before passwords left the manifest (and keys.json)
        print(f"eds: error: TEST_PKI_OUTDATED: {pki_dir} was made by an older eds and keeps its key password in "
              f"manifest.json; remove {home} (test material only) and run again", file=sys.stderr)
        return 2
    base_url = manifest["base_url"]
    _first_use(home, pki_dir)
    services = subprocess.Popen([sys.executable, "-m", "eds.cli", "pki", "serve", str(pki_dir)])
    try:
        _wait_for(f"{base_url}/healthz")
        print(f"test PKI services: {base_url}/ocsp/ {base_url}/tsp/ {base_url}/crl/", flush=True)
        print(f"eds API: http://{host}:{port}/healthz  (Ctrl-C stops)", flush=True)
        return serve(host, port, None)
    finally:
        services.send_signal(signal.SIGINT)
        try:
            services.wait(timeout=5)
        except subprocess.TimeoutExpired:
            services.kill()
