"""Reports for team leads: indicators (``indicators``), the monthly report PDF (``report_pdf``),
spreadsheet exports (``exports``) and the redaction used when data leaves the team (``redaction``).
No Qt here; the dashboard in ``outreach.ui.views.dashboard_view`` shows what these functions return."""
