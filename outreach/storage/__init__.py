"""Storage: engine and sessions, SQLModel tables, the change-logging writer, numbered migrations.

Importing the package imports none of them: the app's first window unlocks the key (``crypto_store``)
and finds the data folder (``paths``) before SQLAlchemy is loaded (issue 14). ``tables`` imports
``team_tables`` at its end, so ``team_tables`` is imported through ``tables`` (or the store), never first.
"""
