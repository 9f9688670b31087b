"""The `outreach` command line: a thin shell over the services."""
