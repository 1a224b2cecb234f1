"""Hostile IIN/BIN values for the identity parsers and the signer check."""
