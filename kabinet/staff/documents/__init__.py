"""The organization's documents for its tenants: uploaded, listed, changed and withdrawn by the staff; the
chairman's report reminders on the dashboard."""
