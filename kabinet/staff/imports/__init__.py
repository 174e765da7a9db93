"""Uploads of the accounting files with a preview, and exports of the month's readings."""
