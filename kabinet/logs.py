"""Logs as one line per event: text for a console, or JSON lines (LOG_FORMAT=json) for a log collector.

Every request adds a line of its own (method, path, status, duration) and an id: the X-Request-ID nginx sends, or a
new one, echoed in the answer's header and carried by every line logged while the request runs.
"""

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from flask import g, has_request_context, request

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")  # what nginx's $request_id looks like; anything else is replaced
REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms")
requests_log = logging.getLogger("kabinet.request")


class OneLine(logging.Formatter):
    """`time LEVEL logger: message`, a traceback's line breaks written as \\n so the event keeps to one line."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record):
        return super().format(record).replace("\n", "\\n")


class JsonLines(logging.Formatter):
    """One JSON object a line: timestamp, level, logger, message, and the request's fields where there is one."""

    def format(self, record):
        event = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        event.update({name: getattr(record, name) for name in REQUEST_FIELDS if hasattr(record, name)})
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(event, ensure_ascii=False, default=str)


class RequestIds(logging.Filter):
    """Give every line logged during a request that request's id."""

    def filter(self, record):
        if has_request_context() and not hasattr(record, "request_id") and "request_id" in g:
            record.request_id = g.request_id
        return True


FORMATTERS = {"text": OneLine, "json": JsonLines}


def handler(log_format: str) -> logging.Handler:
    """A stderr handler writing LOG_FORMAT's lines."""
    stream = logging.StreamHandler()
    stream.setFormatter(FORMATTERS[log_format]())
    stream.addFilter(RequestIds())
    return stream


def init_app(app):
    """Log to stderr in LOG_FORMAT (where nobody set logging up before: gunicorn's own logs and pytest's stay as they
    are), and log each request."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(handler(app.config["LOG_FORMAT"]))
        root.setLevel(logging.INFO)

    @app.before_request
    def _start():
        """Name the request and start its clock."""
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _log(response):
        """The request's line, and its id in the answer."""
        if "request_started" not in g:  # answered before our before_request ran (another hook's early answer)
            return response
        response.headers["X-Request-ID"] = g.request_id
        fields = {
            "request_id": g.request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
        }
        requests_log.info("%(method)s %(path)s %(status)s %(duration_ms)s ms", fields, extra=fields)
        return response
