"""Report files are written through the shared safe-file module (no partial file on failure)."""

from outreach.safefiles import atomic_folder, check_target
from outreach.safefiles import atomic_path as atomic_file

__all__ = ["atomic_file", "atomic_folder", "check_target"]
