"""EDS checks, signing and document verification for Kazakhstan's state services.

Four wings: ``pki`` (who signed and whether to believe them), ``signatures`` (the formats), ``validation``
(verdicts) and ``issuing`` (making documents); ``service`` builds them from configuration and ``cli`` runs them.
"""
