"""The report as people read it: plain text for the CLI, HTML for the standalone report and the pages."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from eds import messages
from eds.validation import reasons
from eds.validation.report import DocumentReport, Indication, SignatureReport


def render_text(report: SignatureReport | DocumentReport, language: str = "en") -> str:
    """A readable summary: the verdict first, then why, then each check."""
    lines: list[str] = []
    lines.append(f"{report.indication.value}" + (f" / {report.sub_indication}" if report.sub_indication else ""))
    for reason in report.reasons:
        lines.append(f"  reason {reason.code}: {reasons.info(reason.code).message(language)}")
    signatures = report.signatures if isinstance(report, DocumentReport) else (report,)
    if isinstance(report, DocumentReport):
        lines.append(f"  {report.notice[language if language in reasons.LANGUAGES else 'en']}")
        for check in report.checks:
            lines.append(f"  [{check.status.value}] {check.name}: {check.message}")
    for number, signature in enumerate(signatures, 1):
        if isinstance(report, DocumentReport):
            lines.append(f"signature {number}: {signature.indication.value}"
                         + (f" / {signature.sub_indication}" if signature.sub_indication else ""))
        signer = signature.signer
        if signer is not None:
            subject = signer.subject
            who = subject.common_name or subject.dn
            ids = ", ".join(f"{k.upper()} {v}" for k, v in (("iin", subject.iin), ("bin", subject.bin)) if v)
            lines.append(f"  signer: {who}" + (f" ({ids})" if ids else "")
                         + (f", {subject.organization}" if subject.organization else ""))
            lines.append(f"  purpose: {signer.purpose.value}, roles: {', '.join(signer.roles) or '-'}")
        if signature.validation_time:
            lines.append(f"  judged at: {signature.validation_time.isoformat()} ({signature.time_source.value})")
        for check in signature.checks:
            lines.append(f"  [{check.status.value}] {check.name}: {check.message}")
    return "\n".join(lines)


_COLOURS = {Indication.TOTAL_PASSED: "#1b7f3b", Indication.TOTAL_FAILED: "#b3261e", Indication.INDETERMINATE: "#9a6700"}

# The report's templates (templates/): report.html is the fragment, report_page.html the standalone page,
# report.css their styles. The public pages load them through this loader too, so the report is one template,
# read with the same options: escaped, a missing value an error, and block tags leaving no blank lines behind.
TEMPLATES = PackageLoader("eds.validation", "templates")
TEMPLATE_OPTIONS: dict[str, Any] = {"autoescape": True, "undefined": StrictUndefined, "trim_blocks": True,
                                    "lstrip_blocks": True}
_ENVIRONMENT = Environment(loader=TEMPLATES, **TEMPLATE_OPTIONS)


def report_context(report: SignatureReport | DocumentReport, language: str = "en") -> dict[str, Any]:
    """What report.html reads, in ``language`` (English for one the catalogue lacks); the pages pass it too."""
    lang = messages.language(language)
    return {
        "report": report,
        "document": isinstance(report, DocumentReport),
        "signatures": report.signatures if isinstance(report, DocumentReport) else (report,),
        "colours": _COLOURS,
        "lang": lang,
        "t": lambda key: messages.text(key, lang),
        "meaning": lambda code: reasons.info(code).message(lang),
    }


def render_html_fragment(report: SignatureReport | DocumentReport, language: str = "en") -> str:
    """The report as an HTML fragment (escaped), for pages that embed it."""
    return _ENVIRONMENT.get_template("report.html").render(report_context(report, language))


def render_html(report: SignatureReport | DocumentReport, language: str = "en", title: str = "eds") -> str:
    """A standalone HTML page of the report (``eds verify --html``)."""
    return _ENVIRONMENT.get_template("report_page.html").render(report_context(report, language), title=title)
