"""An NCA-like test PKI: a generator (``generator``) and its live CRL/OCSP/TSA services (``services``).

A distribution of its own (``eds-test-pki``): eds loads it only for ``eds pki`` and ``eds run`` (eds/optional.py).
"""
