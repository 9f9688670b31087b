"""Sync by encrypted bundle: keys and team, bundle format, transport, change feed, merge."""
