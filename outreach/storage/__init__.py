"""Storage: engine and sessions, SQLModel tables, the change-logging writer, numbered migrations."""
