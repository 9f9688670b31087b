"""Outreach (社工入户走访助手): offline household-visit assistant for community social workers."""

__version__ = "0.1.0"
