"""Entry point of the `outreach` command.

Each command module under ``outreach.cli`` listed in ``COMMAND_MODULES`` exposes
``register(subparsers)``; it adds its sub-commands and sets ``handler=func`` with
``func(ctx: CliContext) -> int`` (the exit code). Errors the user can fix are ``OutreachError``s: they
print one translated line and exit 2. Anything unexpected prints one line too (and the traceback goes
to the log file), never a bare traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from outreach import __version__
from outreach.cli.context import CliContext
from outreach.domain.errors import OutreachError
from outreach.i18n import language_from_environment, normalize_language, set_language, tr

COMMAND_MODULES = [
    "outreach.cli.core_cmd",      # gui, demo, search, stats, validate-id, households, visits …
    "outreach.cli.letters_cmd",   # letter, letters, register, providers, referrals
    "outreach.cli.sync_cmd",      # team, sync
    "outreach.cli.reports_cmd",   # report, export
    "outreach.cli.forms_cmd",     # scales, forms (XLSForm import)
]

EXIT_USER_ERROR = 2
EXIT_INTERNAL = 3

log = logging.getLogger("outreach")


class _Parser(argparse.ArgumentParser):
    """argparse, but its own messages (usage errors) in the user's language, one line, exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"{self.prog}: {tr('cli.usage_error', message=message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="outreach", description=tr("cli.description"))
    parser.add_argument("--version", action="version", version=f"outreach {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help=tr("cli.opt.data_dir"))
    parser.add_argument("--lang", choices=["zh_CN", "en"], help=tr("cli.opt.lang"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    set_language(normalize_language(_language_hint(argv)) or language_from_environment())
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.lang:
        set_language(args.lang)
    if not getattr(args, "handler", None):
        # `outreach` alone opens the GUI.
        args = parser.parse_args([*argv, "gui"])
    ctx = CliContext(args)
    try:
        return int(args.handler(ctx) or 0)
    except OutreachError as exc:
        print(f"outreach: {exc.message()}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # `outreach … | head`: the reader has what it wanted
        return 0
    except KeyboardInterrupt:
        print(f"outreach: {tr('cli.interrupted')}", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one clear line, details in the log
        log.exception("internal error")
        print(f"outreach: {tr('cli.internal_error', error=type(exc).__name__ + ': ' + str(exc))}", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        ctx.close()


def _language_hint(argv: list[str]) -> str | None:
    """--lang must take effect before --help is formatted, so look for it before parsing."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


if __name__ == "__main__":
    sys.exit(main())
