"""The report as people read it: plain text for the CLI, HTML for the standalone report and the pages."""

from __future__ import annotations

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


_UI = {
    "signature": {"kk": "Қолтаңба", "ru": "Подпись", "en": "Signature"},
    "signer": {"kk": "Қол қоюшы", "ru": "Подписант", "en": "Signer"},
    "time": {"kk": "Қол қойылған уақыт", "ru": "Время подписи", "en": "Signing time"},
    "checks": {"kk": "Тексерулер", "ru": "Проверки", "en": "Checks"},
    "chain": {"kk": "Сертификаттар тізбегі", "ru": "Цепочка сертификатов", "en": "Certificate chain"},
    "evidence": {"kk": "Кері қайтарып алу дәлелдері", "ru": "Данные об отзыве", "en": "Revocation evidence"},
}
# Styles of the report fragment, for every page that shows one (the standalone report, the public pages).
REPORT_CSS = ("table{border-collapse:collapse}td{border-top:1px solid #ddd;padding:.2rem .5rem}"
              "tr.failed td:first-child{color:#b3261e}tr.passed td:first-child{color:#1b7f3b}"
              "tr.indeterminate td:first-child,tr.warning td:first-child{color:#9a6700}")
_COLOURS = {Indication.TOTAL_PASSED: "#1b7f3b", Indication.TOTAL_FAILED: "#b3261e", Indication.INDETERMINATE: "#9a6700"}


def render_html_fragment(report: SignatureReport | DocumentReport, language: str = "en") -> str:
    """The report as an HTML fragment (escaped), for pages that embed it."""
    from html import escape

    lang = language if language in reasons.LANGUAGES else "en"
    ui = {k: v[lang] for k, v in _UI.items()}
    signatures = report.signatures if isinstance(report, DocumentReport) else (report,)
    colour = _COLOURS[report.indication]
    parts = [f'<section class="report"><h2 style="color:{colour}">{escape(report.indication.value)}'
             + (f" / {escape(report.sub_indication)}" if report.sub_indication else "") + "</h2>"]
    if isinstance(report, DocumentReport):
        parts.append(f"<p><strong>{escape(report.notice[lang])}</strong></p>")
    if report.reasons:
        parts.append("<ul class=\"reasons\">" + "".join(
            f"<li><code>{escape(r.code)}</code> {escape(reasons.info(r.code).message(lang))}</li>"
            for r in report.reasons) + "</ul>")
    for number, signature in enumerate(signatures, 1):
        subject = signature.signer.subject if signature.signer else None
        parts.append(f'<article><h3 style="color:{_COLOURS[signature.indication]}">{ui["signature"]} {number}: '
                     f"{escape(signature.indication.value)}</h3><dl>")
        if subject is not None:
            who = ", ".join(escape(v) for v in (subject.common_name, subject.organization) if v)
            ids = " ".join(f"{k.upper()} {escape(v)}" for k, v in (("iin", subject.iin), ("bin", subject.bin)) if v)
            parts.append(f"<dt>{ui['signer']}</dt><dd>{who} {ids}</dd>")
        if signature.signing_time or signature.validation_time:
            moment = signature.signing_time or signature.validation_time
            parts.append(f"<dt>{ui['time']}</dt><dd>{escape(moment.isoformat())} "
                         f"({escape(signature.time_source.value if signature.time_source else 'now')})</dd>")
        parts.append(f"</dl><h4>{ui['checks']}</h4><table>")
        for check in signature.checks:
            parts.append(f'<tr class="{check.status.value.lower()}"><td>{escape(check.status.value)}</td>'
                         f"<td>{escape(check.name)}</td><td>{escape(check.message)}</td></tr>")
        parts.append("</table>")
        if signature.chain:
            parts.append(f"<h4>{ui['chain']}</h4><ol>" + "".join(
                f"<li>{escape(c.subject)}</li>" for c in signature.chain) + "</ol>")
        if signature.revocation:
            parts.append(f"<h4>{ui['evidence']}</h4><ul>" + "".join(
                f"<li>{escape(e.type.value)} ({escape(e.source.value)}) "
                f"{escape(e.as_of.isoformat() if e.as_of else '')}</li>" for e in signature.revocation)
                + "</ul>")
        parts.append("</article>")
    parts.append("</section>")
    return "".join(parts)


def render_html(report: SignatureReport | DocumentReport, language: str = "en", title: str = "eds") -> str:
    """A standalone HTML page of the report."""
    from html import escape

    return (f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title><style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto}}"
            f"{REPORT_CSS}</style></head><body>"
            f"{render_html_fragment(report, language)}</body></html>")
