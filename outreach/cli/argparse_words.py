"""argparse's own words in the user's language: ``outreach --help`` in Chinese said "usage:",
"positional arguments", "options", "show this help message and exit", and a missing argument was
"the following arguments are required" (window-only audit, finding 12).

argparse looks its words up through its module-level ``_`` (gettext) each time it needs one, so
``install()`` points that name at the catalog (``overdue.argparse.*``); a word not listed, or the
English UI, gets argparse's own text. The translations keep argparse's ``%s`` / ``%(name)s`` slots.
Called when the parser is built (``cli.main.build_parser``), never at import.
"""

from __future__ import annotations

import argparse

from outreach.i18n import tr

#: argparse's message → catalog key (Python 3.11–3.13 wording).
WORDS = {
    "usage: ": "overdue.argparse.usage",
    "positional arguments": "overdue.argparse.positional",
    "options": "overdue.argparse.options",
    "show this help message and exit": "overdue.argparse.help",
    "show program's version number and exit": "overdue.argparse.version",
    "the following arguments are required: %s": "overdue.argparse.required",
    "unrecognized arguments: %s": "overdue.argparse.unrecognized",
    "invalid choice: %(value)r (choose from %(choices)s)": "overdue.argparse.invalid_choice",
    "expected one argument": "overdue.argparse.expected_one",
    "argument %(argument_name)s: %(message)s": "overdue.argparse.argument",
    "invalid %(type)s value: %(value)r": "overdue.argparse.invalid_value",
    "ambiguous option: %(option)s could match %(matches)s": "overdue.argparse.ambiguous",
}


def translate(message: str) -> str:
    key = WORDS.get(message)
    return tr(key) if key else message


def install() -> None:
    """Let argparse speak the current catalog language (idempotent)."""
    argparse._ = translate  # type: ignore[attr-defined]
