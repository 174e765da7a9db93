"""The worker: one long-running process (`flask --app wsgi worker`) that delivers the outbox and runs the scheduled
jobs. Several may run, on several machines: every piece of work is claimed in the database first."""
