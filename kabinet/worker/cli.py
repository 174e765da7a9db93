"""`flask --app wsgi worker [--once]`: the process that delivers the outbox and runs the scheduled jobs."""

import click
from flask import current_app
from flask.cli import with_appcontext

from kabinet.worker.loop import Worker


@click.command("worker")
@click.option("--once", is_flag=True, help="Run one round of the due jobs and exit (for tests and cron).")
@with_appcontext
def worker(once):
    """Deliver the outbox and run the scheduled jobs until stopped (SIGTERM); safe to run on several machines."""
    Worker(current_app._get_current_object()).run(once=once)
