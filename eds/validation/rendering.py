"""The report as people read it: plain text for the CLI, HTML for the standalone report and the pages."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from eds import messages
from eds.validation import reasons
from eds.validation.report import Check, DocumentReport, Indication, SignatureReport, Status, TimeSource


def render_text(report: SignatureReport | DocumentReport, language: str = "en") -> str:
    """A readable summary in ``language``: the verdict first, then why, then each check (codes stay codes)."""
    lang = messages.language(language)

    def t(key: str) -> str:
        return messages.text(key, lang)

    def line(check: Check) -> str:
        return f"  [{status(check.status, lang)}] {check.label(lang)}: {check.text(lang)}"

    lines: list[str] = []
    lines.append(f"{report.indication.value}" + (f" / {report.sub_indication}" if report.sub_indication else ""))
    for reason in report.reasons:
        lines.append(f"  {t('line.reason')} {reason.code}: {reasons.info(reason.code).message(lang)}")
    signatures = report.signatures if isinstance(report, DocumentReport) else (report,)
    if isinstance(report, DocumentReport):
        lines.append(f"  {report.notice[lang]}")
        lines.extend(line(check) for check in report.checks)
    for number, signature in enumerate(signatures, 1):
        if isinstance(report, DocumentReport):
            lines.append(f"{t('line.signature')} {number}: {signature.indication.value}"
                         + (f" / {signature.sub_indication}" if signature.sub_indication else ""))
        signer = signature.signer
        if signer is not None:
            subject = signer.subject
            who = subject.common_name or subject.dn
            ids = ", ".join(f"{t(f'idname.{k}')} {v}" for k, v in (("IIN", subject.iin), ("BIN", subject.bin)) if v)
            lines.append(f"  {t('line.signer')}: {who}" + (f" ({ids})" if ids else "")
                         + (f", {subject.organization}" if subject.organization else ""))
            lines.append(f"  {t('line.purpose')}: {t(f'purpose.{signer.purpose.value}')}, "
                         f"{t('line.roles')}: {', '.join(signer.roles) or '-'}")
        if signature.validation_time:
            lines.append(f"  {t('line.judged_at')}: {signature.validation_time.isoformat()} "
                         f"({time_source(signature.time_source, lang)})")
        claimed = signature.extra.get("claimedSigningTime")
        if claimed:
            lines.append(f"  {t('line.claimed')}: {claimed}")
        lines.extend(line(check) for check in signature.checks)
    return "\n".join(lines)


def status(value: Status, language: str = "en") -> str:
    """A check's status in ``language``."""
    return messages.text(f"checkstatus.{value.value}", language)


def time_source(source: TimeSource | None, language: str = "en") -> str:
    """What the moment a signer was judged at rests on, in ``language`` (nothing named: now)."""
    return messages.text(f"timesource.{(source or TimeSource.NOW).value}", language)


_COLOURS = {Indication.TOTAL_PASSED: "#1b7f3b", Indication.TOTAL_FAILED: "#b3261e", Indication.INDETERMINATE: "#9a6700"}



# The report's templates (templates/): report.html is the fragment, report_page.html the standalone page,
# report.css their styles. The public pages load them through this loader too (``TEMPLATES``), so the report is
# one template, read with the same options (``TEMPLATE_OPTIONS``): escaped, a missing value an error, and block
# tags leaving no blank lines behind. Jinja2 is imported by the first HTML report, not by ``render_text``.
@lru_cache(maxsize=1)
def _templates():
    from jinja2 import PackageLoader

    return PackageLoader("eds.validation", "templates")


@lru_cache(maxsize=1)
def _template_options() -> dict[str, Any]:
    from jinja2 import StrictUndefined

    return {"autoescape": True, "undefined": StrictUndefined, "trim_blocks": True, "lstrip_blocks": True}


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment

    return Environment(loader=_templates(), **_template_options())


def __getattr__(name: str) -> Any:
    if name == "TEMPLATES":
        return _templates()
    if name == "TEMPLATE_OPTIONS":
        return _template_options()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
        "status": lambda value: status(value, lang),
        "time_source": lambda source: time_source(source, lang),
        "evidence_source": lambda source: messages.text(f"evidencesource.{source.value}", lang),
    }


def render_html_fragment(report: SignatureReport | DocumentReport, language: str = "en") -> str:
    """The report as an HTML fragment (escaped), for pages that embed it."""
    return _environment().get_template("report.html").render(report_context(report, language))


def render_html(report: SignatureReport | DocumentReport, language: str = "en", title: str = "eds") -> str:
    """A standalone HTML page of the report (``eds verify --html``)."""
    return _environment().get_template("report_page.html").render(report_context(report, language), title=title)
