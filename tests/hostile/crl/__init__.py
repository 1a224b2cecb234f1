"""Hostile and unusual CRLs for the CRL index, built as DER and signed with the test PKI's own CA keys."""
