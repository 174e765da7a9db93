"""`flask --app wsgi import accounts|meters|charges|payments FILE [--org ...]`."""

import sys

import click
from flask_babel import gettext as _

from kabinet.imports import services
from kabinet.imports.columns import FORMATS
from kabinet.imports.reader import FileProblem
from kabinet.language import CommandGroup
from kabinet.organizations import UnknownOrganization, find_organization

import_cli = CommandGroup("import", help="Load data exported from the company's accounting system (CSV or XLSX).")


def _command(kind: str):
    @import_cli.command(kind, help=f"Import {kind} from FILE (see docs/IMPORT.md).")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--org", "org", default=None, help="The organization's id or INN, where there are several.")
    def command(path, org):
        try:
            report = services.run(kind, path, find_organization(org))
        except (FileProblem, UnknownOrganization) as exc:
            click.echo(_("Файл не загружен: %(reason)s", reason=exc), err=True)
            sys.exit(1)
        except services.ImportFailed as exc:
            click.echo(_("Файл не загружен, ничего не изменено. Ошибки:"), err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            if exc.more:
                click.echo("  " + _("… и ещё %(count)s", count=exc.more), err=True)
            sys.exit(1)
        click.echo(f"{path}: {report}")

    return command


for _kind in FORMATS:
    _command(_kind)
