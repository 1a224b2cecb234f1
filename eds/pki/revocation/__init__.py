"""Revocation: indexed CRLs (``crl``, ``store``), a checked OCSP client (``ocsp``) and the policy (``checker``)."""

from eds.pki.revocation.checker import Policy, RevocationChecker, RevocationResult
from eds.pki.revocation.crl import CrlError, CrlIndex
from eds.pki.revocation.ocsp import OcspAnswer, OcspClient
from eds.pki.revocation.store import CrlStore

__all__ = ["CrlError", "CrlIndex", "CrlStore", "OcspAnswer", "OcspClient", "Policy", "RevocationChecker",
           "RevocationResult"]
