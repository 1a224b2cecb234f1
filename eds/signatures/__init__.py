"""The signature formats: XMLDSig, CMS, RFC 3161 timestamps and PAdES, each able to sign and to check its own
cryptography; which format a file is (one ``detect_format``); what changed in a PDF after it was signed."""
