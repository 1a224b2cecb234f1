"""The test PKI is a part of its own (distribution ``eds-test-pki``): product code loads it here, only if installed.

``eds pki ...`` and ``eds run`` need it; nothing else in ``eds`` or ``api`` may import it, so that a production
install without it checks, signs and issues exactly as with it (``tests/test_parts.py`` holds them to that).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from eds.errors import CodedError

class NotInstalledError(CodedError):
    """An optional part was asked for and is not installed; ``code`` is TEST_PKI_NOT_INSTALLED."""

    code_in_message = True


def load_test_pki(module: str) -> ModuleType:
    """``test_pki.<module>``; NotInstalledError when the package is absent, so the CLI says what to install.

    Only the package's own absence is translated: a module of an installed test PKI that fails to import is a
    bug, and its error goes up as it is.
    """
    try:
        importlib.import_module("test_pki")
    except ModuleNotFoundError as error:
        if error.name != "test_pki":
            raise
        raise NotInstalledError(
            "TEST_PKI_NOT_INSTALLED",
            "the test PKI is not installed; install the eds-test-pki distribution "
            "(pip install -e ./test_pki in an eds checkout, as scripts/setup does)",
        ) from None
    return importlib.import_module(f"test_pki.{module}")
