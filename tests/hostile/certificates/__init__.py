"""Hostile certificates for the signer check, made with the test PKI's own CA keys."""
