"""Forms and dialogs."""
