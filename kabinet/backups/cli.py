"""`flask --app wsgi backup create [PATH] [--prune]`, `backup restore PATH [--yes]`, `backup prune [DIR]`."""

import sys
from pathlib import Path

import click
from flask_babel import gettext as _

from kabinet.backups import services
from kabinet.language import CommandGroup

backup_cli = CommandGroup("backup", help="Backups of the database: make, restore, thin out.")


@backup_cli.command("create")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True, help="Then delete the backups in the folder that retention does not keep.")
def create(path, prune):
    """Back the database up into PATH (a file, or a folder: a name with the time), BACKUP_DIR by default."""
    try:
        backup = services.create(path)
    except services.Refused as exc:
        _fail(exc)
    click.echo(_("Резервная копия: %(path)s (%(size)s байт).", path=backup.path, size=backup.size))
    if prune:
        _report_pruned(services.prune(backup.path.parent))


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore(path, yes):
    """Replace everything in the database with the backup PATH (stop the site first)."""
    try:
        services.check(path)
        if not yes:
            question = _("Всё содержимое базы данных будет заменено копией %(path)s. Продолжить?", path=path)
            click.confirm(question, abort=True)
        click.echo(services.restore(path))
    except services.Refused as exc:
        _fail(exc)


@backup_cli.command("prune")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
def prune(folder):
    """Delete the backups in FOLDER (BACKUP_DIR by default) that retention does not keep."""
    _report_pruned(services.prune(folder))


def _report_pruned(removed):
    for path in removed:
        click.echo(_("Удалена старая копия: %(path)s", path=path))


def _fail(exc):
    click.echo(str(exc), err=True)
    sys.exit(1)
