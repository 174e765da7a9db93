"""Commands: `flask --app wsgi mail send` for cron, `demo load` for `make run`."""

import click
from flask.cli import AppGroup

from kabinet import demo
from kabinet.outbox import deliver_due

mail_cli = AppGroup("mail", help="The e-mail outbox.")
demo_cli = AppGroup("demo", help="Demo data for trying Kabinet out.")


@mail_cli.command("send")
def send_mail():
    """Deliver every e-mail that is due (run it from cron or a worker)."""
    report = deliver_due()
    click.echo(f"sent {report.sent}, to retry {report.retried}, given up {report.failed}")


@demo_cli.command("load")
def load_demo():
    """Fill an empty database with demo data; leave a database with users alone."""
    message = demo.load()
    click.echo(message or "The database has users already: demo data not loaded.")


def init_app(app):
    """Register every command group."""
    from kabinet.accounts.cli import codewords_cli
    from kabinet.backups.cli import backup_cli
    from kabinet.imports.cli import import_cli
    from kabinet.staff.team.cli import staff_cli

    for group in (mail_cli, demo_cli, import_cli, codewords_cli, staff_cli, backup_cli):
        app.cli.add_command(group)
