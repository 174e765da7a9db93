"""The WSGI entry point: `gunicorn wsgi:app` and `flask --app wsgi ...` load this."""

from kabinet import create_app

app = create_app()
