"""An NCA-like test PKI: a generator (``generator``) and its live CRL/OCSP/TSA services (``services``)."""
