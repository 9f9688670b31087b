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
import os
import sys
from collections.abc import Sequence

from outreach import __version__
from outreach.cli import argparse_words
from outreach.cli.context import CliContext
from outreach.domain.errors import OutreachError
from outreach.i18n import language_from_environment, normalize_language, set_language, tr

COMMAND_MODULES = [
    "outreach.cli.core_cmd",      # gui, demo, search, stats, validate-id, households, visits …
    "outreach.cli.letters_cmd",   # letter, letters, register, providers, referrals
    "outreach.cli.sync_cmd",      # team, sync
    "outreach.cli.reports_cmd",   # report, export
    "outreach.cli.today_cmd",     # today
    "outreach.cli.forms_cmd",     # scales, forms (XLSForm import)
    "outreach.cli.backup_cmd",    # backup, passphrase, unlock (issue 13)
    "outreach.cli.hub_cmd",       # hub (county hub, unattended ingestion; issue 15)
]

EXIT_USER_ERROR = 2
EXIT_INTERNAL = 3

log = logging.getLogger("outreach")


class _Parser(argparse.ArgumentParser):
    """argparse, but its own messages (usage errors) in the user's language, one line, exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"{self.prog}: {tr('cli.usage_error', message=message)}\n")


def build_parser() -> argparse.ArgumentParser:
    argparse_words.install()   # "usage:", "options" … in the user's language (audit finding 12)
    parser = _Parser(prog="outreach", description=tr("cli.description"))
    parser.add_argument("--version", action="version", version=f"outreach {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help=tr("cli.opt.data_dir"))
    parser.add_argument("--database-url", metavar="URL", help=tr("pg.opt.database_url"))  # issue 15
    parser.add_argument("--lang", choices=["zh_CN", "en"], help=tr("cli.opt.lang"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is shown, never crashed on
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    set_language(normalize_language(_language_hint(argv)) or language_from_environment())
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.lang:
        set_language(args.lang)
    if getattr(args, "database_url", None):  # every store this process opens (CLI and GUI) uses it
        os.environ["OUTREACH_DATABASE_URL"] = args.database_url
    if not getattr(args, "handler", None):
        # `outreach` alone opens the GUI.
        args = parser.parse_args([*argv, "gui"])
    from outreach.logs import setup_logging, sweep_data_folder

    setup_logging(args.data_dir)  # the file appears with its first record (a command that opens the store)
    sweep_data_folder(args.data_dir)
    ctx = CliContext(args)
    try:
        check_arguments(args)
        return int(args.handler(ctx) or 0)
    except OutreachError as exc:
        print(f"outreach: {_plainer(exc, args).message()}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # `outreach … | head`: the reader has what it wanted
        return 0
    except KeyboardInterrupt:
        print(f"outreach: {tr('cli.interrupted')}", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one clear line, details in the log
        return report_failure(exc, args)
    finally:
        ctx.close()


def report_failure(exc: BaseException, args: argparse.Namespace) -> int:
    """One translated line for a failure that was not an ``OutreachError``: a known cause (full disk,
    read-only folder, store in use, out of memory) in the user's words and exit 2, anything else as an
    internal error and exit 3; the traceback goes to the log, whose path is named when it exists."""
    from outreach.logs import explain, log_path
    from outreach.logs import resolve_data_dir as data_dir

    log.error("failed: %s", args.command, exc_info=exc)
    known = explain(exc, where=data_dir(args.data_dir))
    if known is not None:
        line, code = known.message(), EXIT_USER_ERROR
    else:
        line, code = tr("hard.internal", error=f"{type(exc).__name__}: {exc}"), EXIT_INTERNAL
    path = log_path()
    if path is not None:
        line = f"{line} {tr('hard.see_log', path=str(path))}"
    print(f"outreach: {line}", file=sys.stderr)
    return code


def _plainer(exc: OutreachError, args: argparse.Namespace) -> OutreachError:
    """A database error whose cause we can name in the user's words (read-only medium, full disk,
    store in use) is said that way rather than with SQLite's English text."""
    if exc.__cause__ is None or not exc.key.startswith("error.db."):
        return exc
    from outreach.logs import explain
    from outreach.logs import resolve_data_dir as data_dir

    return explain(exc.__cause__, where=data_dir(args.data_dir)) or exc


# Options whose value is a file or folder name: any bytes the file system allows are fine there.
PATH_OPTIONS = frozenset({"data_dir", "output", "file", "files", "invite", "request"})


def check_arguments(args: argparse.Namespace) -> None:
    """Text arguments that are not valid UTF-8 (Python hands them over as surrogate-escaped str) are
    refused with one line naming the option; file names are left as they are (they work as paths)."""
    for name, value in vars(args).items():
        if name in PATH_OPTIONS:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and not _is_text(item):
                shown = os.fsencode(item).decode("utf-8", "backslashreplace")
                raise OutreachError("hard.arg_not_utf8", option=_option_name(name), value=shown)


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _option_name(dest: str) -> str:
    return {"text": "TEXT", "reference": "REFERENCE", "number": "NUMBER", "device": "DEVICE",
            "letter_lang": "--lang", "report_lang": "--lang", "set": "--set"}.get(dest, "--" + dest.replace("_", "-"))


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
