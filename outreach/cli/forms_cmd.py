"""Forms and scales: `outreach scales score|list`, `outreach forms import|list`.

Heavy libraries (pyxform, elementpath) are imported inside the handlers, so start-up stays fast.
"""

from __future__ import annotations

import argparse

from outreach.cli.context import LazyModule
from outreach.i18n import current_language, tr

scales = LazyModule("outreach.domain.scales")
forms = LazyModule("outreach.services.forms")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scales", help=tr("scale.cli.help"), description=tr("scale.cli.help"))
    scale_sub = p.add_subparsers(dest="scales_command", metavar="ACTION", required=True, parser_class=type(p))
    sc = scale_sub.add_parser("score", help=tr("scale.cli.score"), description=tr("scale.cli.score"))
    sc.add_argument("name", metavar="NAME", choices=["phq9", "gad7", "barthel", "k10", "wgss"])
    sc.add_argument("--answers", required=True, metavar="A,B,C…", help=tr("scale.cli.answers"))
    sc.add_argument("--json", action="store_true", help=tr("cli.opt.json"))
    sc.set_defaults(handler=_scale_score)
    ls = scale_sub.add_parser("list", help=tr("scale.cli.list"), description=tr("scale.cli.list"))
    ls.add_argument("--json", action="store_true", help=tr("cli.opt.json"))
    ls.set_defaults(handler=_scale_list)

    p = sub.add_parser("forms", help=tr("xlsform.cli.help"), description=tr("xlsform.cli.help"))
    form_sub = p.add_subparsers(dest="forms_command", metavar="ACTION", required=True, parser_class=type(p))
    imp = form_sub.add_parser("import", help=tr("xlsform.cli.import"), description=tr("xlsform.cli.import"))
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--json", action="store_true", help=tr("cli.opt.json"))
    imp.set_defaults(handler=_forms_import)
    fl = form_sub.add_parser("list", help=tr("xlsform.cli.list"), description=tr("xlsform.cli.list"))
    fl.add_argument("--json", action="store_true", help=tr("cli.opt.json"))
    fl.set_defaults(handler=_forms_list)


# ---------------------------------------------------------------------------- scales
def _scale_score(ctx) -> int:
    scale = scales.load_scale(ctx.args.name)
    result = scales.score_scale(scale, scales.parse_answers(ctx.args.answers))
    if ctx.args.json:
        ctx.print_json({**result.as_json(), "band_label": result.band_label(),
                        "flag_labels": result.flag_labels()})
        return 0
    lang = current_language()
    line = tr("scale.cli.result", title=scale.title[lang], score=result.score, band=result.band_label())
    if result.prorated:
        line += tr("scale.cli.prorated")
    ctx.print(line)
    for label in result.flag_labels():
        ctx.print(tr("scale.cli.flag", label=label))
    return 0


def _scale_list(ctx) -> int:
    lang = current_language()
    rows = scales.all_scales()
    if ctx.args.json:
        ctx.print_json([{"key": s.key, "title": s.title[lang], "items": len(s.items), "source": s.source[lang],
                         "bands": [b.key for b in s.bands]} for s in rows])
        return 0
    for s in rows:
        ctx.print(f"{s.key}\t{s.title[lang]}")
        ctx.print("  " + tr("scale.cli.source", source=s.source[lang]))
    return 0


# ---------------------------------------------------------------------------- imported forms
def _forms_import(ctx) -> int:
    report = forms.import_form_file(ctx.store, ctx.args.file)
    if ctx.args.json:
        ctx.print_json(report.as_json())
    else:
        for line in report.lines():
            ctx.print(line)
    return 0 if report.saved else 2


def _forms_list(ctx) -> int:
    rows = forms.list_forms(ctx.store)
    if ctx.args.json:
        ctx.print_json([r.as_json() for r in rows])
        return 0
    if not rows:
        ctx.print(tr("xlsform.cli.none"))
    for r in rows:
        ctx.print(tr("xlsform.cli.row", key=r.key, version=r.version, title=r.title_in(), count=r.questions))
    return 0
