"""Revocation: indexed CRLs (``crl``, ``store``), a checked OCSP client (``ocsp``) and the policy (``checker``)."""

from eds.revocation.checker import Policy, RevocationChecker, RevocationResult
from eds.revocation.crl import CrlError, CrlIndex
from eds.revocation.ocsp import OcspAnswer, OcspClient
from eds.revocation.store import CrlStore

__all__ = ["CrlError", "CrlIndex", "CrlStore", "OcspAnswer", "OcspClient", "Policy", "RevocationChecker",
           "RevocationResult"]
