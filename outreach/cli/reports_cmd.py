"""Reports and spreadsheets for the team lead:

    outreach report --month YYYY-MM [--area CODE] [--worker NAME] [--lang en] -o FILE.pdf
    outreach report --month YYYY-MM [--area CODE] [--worker NAME] --json     (the figures; no PDF written;
                    "townships": the same figures per township when the report spans several)
    outreach export --format csv|xlsx [--redact] [--area CODE] [--include-archived] [--include-merged]
                    [--lang en] -o PATH          (csv: PATH is a folder, one file per table)

A bad month, an unknown area or an unwritable path is one translated line and exit code 2; nothing is
left behind (files are written under a temporary name and moved into place when complete).
"""

from __future__ import annotations

import argparse

from outreach.cli.context import CliContext, LazyModule
from outreach.domain.errors import OutreachError
from outreach.i18n import current_language, normalize_language, tr

exports = LazyModule("outreach.reports.exports")
report_pdf = LazyModule("outreach.reports.report_pdf")
scope = LazyModule("outreach.reports.scope")
indicators = LazyModule("outreach.reports.indicators")
summary = LazyModule("outreach.reports.summary")


def _lang(value: str) -> str:
    lang = normalize_language(value)
    if lang is None:
        raise argparse.ArgumentTypeError(tr("reports.cli.bad_lang", value=value))
    return lang


def register(sub: argparse._SubParsersAction) -> None:
    """Add `report` and `export` to the `outreach` parser."""
    p = sub.add_parser("report", help=tr("reports.cli.report.help"), description=tr("reports.cli.report.help"))
    p.add_argument("--month", required=True, metavar="YYYY-MM", help=tr("reports.cli.opt.month"))
    p.add_argument("--area", metavar="CODE", help=tr("reports.cli.opt.area"))
    p.add_argument("--worker", metavar="NAME", help=tr("reports.cli.opt.worker"))
    # dest differs from the global --lang (the UI language) so this option's default cannot reset it
    p.add_argument("--lang", dest="report_lang", type=_lang, metavar="LANG", help=tr("reports.cli.opt.lang"))
    p.add_argument("-o", "--output", metavar="FILE.pdf", help=tr("reports.cli.opt.output_pdf"))
    p.add_argument("--json", action="store_true", help=tr("papers.cli.opt.json"))
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("export", help=tr("reports.cli.export.help"), description=tr("reports.cli.export.help"))
    p.add_argument("--format", required=True, choices=("csv", "xlsx"), help=tr("reports.cli.opt.format"))
    p.add_argument("--redact", action="store_true", help=tr("reports.cli.opt.redact"))
    p.add_argument("--area", metavar="CODE", help=tr("reports.cli.opt.area"))
    p.add_argument("--include-archived", action="store_true", help=tr("reports.cli.opt.include_archived"))
    p.add_argument("--include-merged", action="store_true", help=tr("reports.cli.opt.include_merged"))
    p.add_argument("--lang", dest="report_lang", type=_lang, metavar="LANG", help=tr("reports.cli.opt.lang"))
    p.add_argument("-o", "--output", required=True, metavar="PATH", help=tr("reports.cli.opt.output_export"))
    p.add_argument("--encrypt", action="store_true", help=tr("sec.cli.encrypt"))  # issue 13: AES zip
    p.set_defaults(handler=cmd_export)


def cmd_report(ctx: CliContext) -> int:
    a = ctx.args
    scope.month_bounds(a.month)  # a bad month is reported before the database is even opened
    if a.json:
        ind = indicators.compute_indicators(ctx.store, scope.Scope.for_month(a.month, area_id=a.area, worker=a.worker),
                                            lang=a.report_lang)
        ctx.print_json(summary.report_json(ind, indicators.township_indicators(ctx.store, ind, lang=a.report_lang)))
        return 0
    if not a.output:
        raise OutreachError("papers.cli.output_required")
    lang = a.report_lang or "zh_CN"
    ind = report_pdf.write_monthly_report(ctx.store, a.output, month=a.month, area=a.area, worker=a.worker, lang=lang)
    ctx.print(tr("reports.cli.report.done", path=a.output, area=ind.area_name, households=f"{ind.households.total.count:,}",
                 visits=f"{ind.visits.total.count:,}"))
    return 0


def cmd_export(ctx: CliContext) -> int:
    a = ctx.args
    options = exports.ExportOptions(redact=a.redact, include_archived=a.include_archived, include_merged=a.include_merged,
                            area_id=a.area, lang=a.report_lang or current_language())
    if a.encrypt:   # issue 13: an AES-256 zip of the workbook (passphrase: OUTREACH_EXPORT_PASSPHRASE or asked)
        from outreach.cli.backup_cmd import export_passphrase

        if a.format != "xlsx":
            raise OutreachError("sec.error.encrypt_xlsx_only")
        counts = exports.write_xlsx(ctx.store, a.output, options, zip_passphrase=export_passphrase())
    else:
        write = exports.write_csv if a.format == "csv" else exports.write_xlsx
        counts = write(ctx.store, a.output, options)
    summary = tr("reports.cli.list_sep").join(
        tr("reports.cli.export.count", table=tr(f"reports.sheet.{e}"), n=f"{counts[e]:,}") for e in exports.ENTITIES)
    key = "reports.cli.export.done_redacted" if a.redact else "reports.cli.export.done"
    ctx.print(tr(key, path=a.output, summary=summary))
    return 0
