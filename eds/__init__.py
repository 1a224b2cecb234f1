"""EDS checks, signing and document verification for Kazakhstan's state services; GOST is registered on import."""

from eds.pki.gost.providers import install

install()
