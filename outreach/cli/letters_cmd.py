"""Commands of this area are added by the issue that builds it (placeholder until then)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands to the `outreach` parser."""
