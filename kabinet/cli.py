"""Commands: `flask --app wsgi mail send` (the outbox once, without a worker), `demo load` for `make run`."""

import click
from flask_babel import gettext as _

from kabinet import demo
from kabinet.language import CommandGroup
from kabinet.outbox import deliver_due

mail_cli = CommandGroup("mail", help="The e-mail outbox.")
demo_cli = CommandGroup("demo", help="Demo data for trying Kabinet out.")


@mail_cli.command("send")
def send_mail():
    """Deliver every e-mail that is due (run it from cron or a worker)."""
    report = deliver_due()
    click.echo(
        _(
            "Отправлено: %(sent)s, будут отправлены повторно: %(retried)s, не отправлены: %(failed)s",
            sent=report.sent,
            retried=report.retried,
            failed=report.failed,
        )
    )


@demo_cli.command("load")
def load_demo():
    """Fill an empty database with demo data; leave a database with users alone."""
    message = demo.load()
    click.echo(message or _("В базе данных уже есть пользователи: демонстрационные данные не загружены."))


def init_app(app):
    """Register every command group."""
    from kabinet.accounts.cli import codewords_cli
    from kabinet.backups.cli import backup_cli
    from kabinet.imports.cli import import_cli
    from kabinet.staff.team.cli import staff_cli
    from kabinet.telegram.cli import telegram_cli
    from kabinet.worker.cli import worker

    for group in (mail_cli, demo_cli, import_cli, codewords_cli, staff_cli, backup_cli, telegram_cli):
        app.cli.add_command(group)
    app.cli.add_command(worker)
