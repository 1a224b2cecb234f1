"""One network budget per request: every OCSP, CRL and TSA fetch a request makes spends the same
``EDS_NETWORK_BUDGET`` seconds (5 by default), so a hung evidence server costs a request at most that, never the
worker timeout. The library's own budgets (a signer check, a verification) nest inside it and spend it too."""

from __future__ import annotations

from contextlib import ExitStack

from flask import Flask, g

from eds.pki import network


def install(app: Flask) -> None:
    """Open the budget before each request and close it after, whatever the answer was."""
    seconds = app.extensions["eds"].settings.network_budget

    @app.before_request
    def open_budget() -> None:
        stack = ExitStack()
        stack.enter_context(network.budget(seconds))
        g.network_budget = stack

    @app.teardown_request
    def close_budget(_error: BaseException | None) -> None:
        stack = g.pop("network_budget", None)
        if stack is not None:
            stack.close()
