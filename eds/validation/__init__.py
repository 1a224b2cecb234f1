"""Verdicts: the signer check, the signed-request check, the document verifier, the report they all return
(TOTAL_PASSED / TOTAL_FAILED / INDETERMINATE with reasons and evidence) and folder-wide batches."""
