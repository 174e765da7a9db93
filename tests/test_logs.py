"""Logs: one line per event, text or JSON lines (LOG_FORMAT=json), each request with its id, status and duration."""

import json
import logging
import re
import subprocess
import sys

import pytest

from kabinet import logs
from tests.test_worker import FLASK, ROOT, production_env


def request_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "kabinet.request"]


def test_each_request_is_one_line_with_its_id_path_status_and_duration(client, caplog):
    with caplog.at_level(logging.INFO, logger="kabinet.request"):
        response = client.get("/auth/login", headers={"X-Request-ID": "nginx-4f2a9c1d"})
        missing = client.get("/no-such-page")
    assert response.headers["X-Request-ID"] == "nginx-4f2a9c1d"
    first, second = request_records(caplog)
    event = json.loads(logs.JsonLines().format(first))
    assert {key: event[key] for key in ("level", "logger", "request_id", "method", "path", "status")} == {
        "level": "INFO", "logger": "kabinet.request", "request_id": "nginx-4f2a9c1d", "method": "GET",
        "path": "/auth/login", "status": 200,
    }  # fmt: skip
    assert event["duration_ms"] >= 0 and event["timestamp"].endswith("+00:00")
    assert second.status == 404 and missing.headers["X-Request-ID"] == second.request_id
    assert logs.OneLine().format(first).endswith(f"INFO kabinet.request: GET /auth/login 200 {first.duration_ms} ms")


@pytest.mark.parametrize("given", ["", "short", "a b c d e f g h", "x" * 65, "<script>alert(1)</script>"])
def test_a_request_id_that_does_not_look_like_one_is_replaced(client, given):
    returned = client.get("/auth/login", headers={"X-Request-ID": given}).headers["X-Request-ID"]
    assert returned != given and len(returned) == 32


def test_a_traceback_stays_on_the_events_line_in_both_formats():
    try:
        raise ValueError("сломалось")
    except ValueError:
        record = logging.LogRecord("kabinet", logging.ERROR, __file__, 1, "Job %s failed", ("outbox",), sys.exc_info())
    text, event = logs.OneLine().format(record), logs.JsonLines().format(record)
    assert "\n" not in text and "ValueError: сломалось" in text and "Job outbox failed" in text
    assert "\n" not in event and "ValueError: сломалось" in json.loads(event)["exception"]


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_a_worker_logs_one_line_per_event_in_the_chosen_format(app, smtp_server, tmp_path, log_format):
    env = production_env(app.config["SQLALCHEMY_DATABASE_URI"], smtp_server[1], tmp_path, LOG_FORMAT=log_format)
    done = subprocess.run([*FLASK, "worker", "--once"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert any("Worker" in line and "started" in line for line in lines)
    if log_format == "json":
        events = [json.loads(line) for line in lines]  # every line is one JSON object
        assert {"timestamp", "level", "logger", "message"} <= set(events[0])
    else:
        assert all(re.match(r"\d{4}-\d\d-\d\d \S+ (INFO|WARNING) \S+: ", line) for line in lines), lines


def test_an_unknown_log_format_is_refused_at_start(make_app):
    with pytest.raises(RuntimeError, match="LOG_FORMAT"):
        make_app(LOG_FORMAT="xml")
