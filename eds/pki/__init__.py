"""Who signed and whether to believe them: IIN/BIN identities, certificates, the pinned trust profile, chains,
revocation (CRL and OCSP) and the algorithms and keys every signature check goes through (GOST among them)."""
