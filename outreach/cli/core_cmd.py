"""Core commands (filled in by the core issue)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the core sub-commands."""
