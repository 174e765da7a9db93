"""Backups of the database: `flask --app wsgi backup create|restore|prune`, and the newest one for the status page."""

from kabinet.backups.services import Backup, last_backup

__all__ = ["Backup", "last_backup"]
