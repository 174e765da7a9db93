"""`flask --app wsgi codewords generate [--building ADDRESS] [--org ...] [--output FILE]`."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask_babel import gettext as _

from kabinet.accounts.codewords import issue_missing
from kabinet.accounts.letters import code_word_letters
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.language import CommandGroup
from kabinet.organizations import UnknownOrganization, find_organization

codewords_cli = CommandGroup("codewords", help="Code words that owners use to bind their accounts.")


@codewords_cli.command("generate")
@click.option("--building", default=None, help="Only the accounts of the house with this address.")
@click.option("--org", "org", default=None, help="The organization's id or INN, where there are several.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="The PDF to write.")
def generate(building, org, output):
    """Issue code words to the accounts that have none and write the PDF of letters to print."""
    try:
        organization = find_organization(org)
    except UnknownOrganization as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    now = utcnow()
    letters = issue_missing(organization, building, now)
    if not letters:
        click.echo(_("Все лицевые счета уже имеют кодовые слова: письма не нужны."))
        return
    output = output or Path(current_app.instance_path) / "codewords" / f"letters-{now:%Y%m%d-%H%M%S}.pdf"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(code_word_letters(organization, letters, current_app.config["BASE_URL"]))
    db.session.commit()  # only once the letters exist: a code word nobody can read would lock its owner out
    accounts = sum(len(accounts) for accounts, _ in letters)
    click.echo(
        _(
            "Кодовые слова выданы. Лицевых счетов: %(accounts)s, писем: %(letters)s. Файл для печати: %(file)s",
            accounts=accounts,
            letters=len(letters),
            file=output,
        )
    )
