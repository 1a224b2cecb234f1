"""Making documents: the document types and their rendering, the issuer (one-step and two-step), the keys the
service signs with, who may use them, and the registry of everything issued."""
