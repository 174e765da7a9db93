"""`flask --app wsgi staff create --email E --role admin|platform [...]`: the first admin, before anyone can invite;
or the platform administrator, who belongs to no organization and creates them."""

import sys

import click
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from kabinet.extensions import db
from kabinet.language import CommandGroup
from kabinet.models import OutboxMessage, User
from kabinet.models.user import PLATFORM_ROLE, STAFF_ROLES
from kabinet.organizations import UnknownOrganization, find_organization
from kabinet.outbox import deliver_due
from kabinet.staff.team.services import invite

staff_cli = CommandGroup("staff", help="The company's staff users.")


@staff_cli.command("create")
@click.option("--email", required=True, help="Where the invitation goes.")
@click.option("--role", type=click.Choice((*STAFF_ROLES, PLATFORM_ROLE)), required=True)
@click.option("--login", default="", help="The login; made of the e-mail when left out.")
@click.option("--first-name", default="Администратор")
@click.option("--last-name", default="")
@click.option("--org", "org", default=None, help="The organization's id or INN, where there are several.")
def create(email, role, login, first_name, last_name, org):
    """Create a staff user and e-mail (and print) the link that sets their password."""
    if role == PLATFORM_ROLE and org is not None:
        click.echo(_("Администратор платформы не принадлежит организации: --org для него не указывают."), err=True)
        sys.exit(1)
    try:
        organization = None if role == PLATFORM_ROLE else find_organization(org)
    except UnknownOrganization as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    email = email.strip()
    taken = select(User.id).where(func.lower(User.email) == email.lower())
    if login:
        taken = taken.union(select(User.id).where(func.lower(User.login) == login.lower()))
    if db.session.scalars(taken).first():
        click.echo(_("Пользователь с таким e-mail или логином уже есть."), err=True)
        sys.exit(1)
    user, link = invite(organization, email=email, first_name=first_name, last_name=last_name, role=role, login=login)
    said = {"login": user.login, "role": role, "email": email}
    if current_app.config["OUTBOX_COURIER"] == "worker":
        # Queued only: the worker delivers it. Sending here would race the worker, and a command killed mid-send
        # would hold the e-mail back.
        click.echo(_("Сотрудник %(login)s (%(role)s) создан. Приглашение на %(email)s поставлено в очередь: его "
                     "отправит обработчик очереди (`flask --app wsgi worker`).", **said))  # fmt: skip
    elif _delivered_now(email):
        click.echo(_("Сотрудник %(login)s (%(role)s) создан. Приглашение отправлено на %(email)s.", **said))
    else:
        click.echo(_("Сотрудник %(login)s (%(role)s) создан. Письмо на %(email)s пока не отправлено: почтовый "
                     "сервер не принял его. Оно в очереди: `flask --app wsgi mail send` повторит отправку.",
                     **said))  # fmt: skip
    click.echo(_("Ссылка для установки пароля: %(link)s", link=link))


def _delivered_now(email: str) -> bool:
    """The trial's way, without a worker (OUTBOX_COURIER=thread): send before the process ends, as no courier thread
    of this command outlives it; whether the newest e-mail to this address went."""
    deliver_due()
    newest = select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id.desc()).limit(1)
    message = db.session.scalar(newest)
    return message is not None and message.sent_at is not None
