"""The worker (`flask --app wsgi worker`): the outbox delivered exactly once by several workers, a dead worker's
claims freed at once, scheduled jobs once per period across workers, the clean-ups, a clean stop."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from kabinet import storage
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import (
    BindingDraft,
    OutboxMessage,
    ScheduledJob,
    StoredFile,
    User,
    UserSession,
    WorkerHeartbeat,
)
from kabinet.outbox import deliver_due, queue
from kabinet.worker import holders, jobs
from tests.test_registration import register

ROOT = Path(__file__).resolve().parents[1]
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


def production_env(database_url: str, smtp_port: int, instance: Path, **extra) -> dict:
    """The environment of a production process (the worker, a command) over the test database and mail server."""
    return {
        **os.environ,
        "KABINET_ENV": "production",
        "SECRET_KEY": "test-only",
        "BASE_URL": "http://127.0.0.1:5000",
        "KABINET_INSTANCE": str(instance),
        "DATABASE_URL": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        **extra,
    }


def eventually(check, what: str, within: float = 30):
    """Wait for a state another process reaches (not a measure of its speed: the deadline is only a safety net)."""
    deadline = time.monotonic() + within
    while not (found := check()):
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)
    return found


def queue_letters(app, count: int, to: str = "tenant") -> list[str]:
    """Queue `count` e-mails to different addresses (to0@..., to1@...); the addresses."""
    addresses = [f"{to}{n}@example.org" for n in range(count)]
    with app.app_context():
        for address in addresses:
            queue(address, "recovery/changed", user=User(first_name="Иван", login="ivan"), login_url="x")
        db.session.commit()
    return addresses


def row(app, model, *where):
    with app.app_context():
        found = db.session.scalars(select(model).where(*where)).all()
        db.session.expunge_all()
        return found


@pytest.fixture
def env(app, smtp_server, tmp_path):
    return production_env(app.config["SQLALCHEMY_DATABASE_URI"], smtp_server[1], tmp_path)


# --- the outbox ----------------------------------------------------------------------------------------------------


def test_two_workers_deliver_each_message_exactly_once(app, env, mailbox):
    addresses = queue_letters(app, 30)
    workers = [subprocess.Popen([*FLASK, "worker", "--once"], cwd=ROOT, env=env) for _ in range(2)]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    assert sorted(message["To"] for message in mailbox.messages) == sorted(addresses)
    assert all(message.sent_at for message in row(app, OutboxMessage))


def test_a_killed_workers_claim_is_picked_up_at_once(app, env, mailbox):
    """The first worker claims the e-mail and hangs on a mail server that never answers; killed (kill -9), it cannot
    release its claim itself, yet the next worker sends the e-mail at once rather than after the claim's 5 min."""
    [address] = queue_letters(app, 1)
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        hung = subprocess.Popen([*FLASK, "worker"], cwd=ROOT, env={**env, "MAIL_PORT": str(silent.getsockname()[1])})
        try:
            [claimed] = eventually(lambda: row(app, OutboxMessage, OutboxMessage.claimed_by.is_not(None)), "a claim")
        finally:
            hung.kill()
            hung.wait()
    assert claimed.claimed_until > utcnow() + timedelta(minutes=4) and claimed.sent_at is None
    next_worker = subprocess.run([*FLASK, "worker", "--once"], cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert next_worker.returncode == 0, next_worker.stderr
    assert len(mailbox.to(address)) == 1
    assert row(app, OutboxMessage)[0].sent_at is not None


def test_a_running_worker_delivers_what_a_web_request_queued(app, env, mailbox):
    worker = subprocess.Popen([*FLASK, "worker"], cwd=ROOT, env=env)
    try:
        register(app.test_client())  # the web process only queues (the tests' config, as production's)
        eventually(lambda: mailbox.to("Ivan.Petrov@example.org"), "the confirmation e-mail")
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    assert len(mailbox.to("Ivan.Petrov@example.org")) == 1


@pytest.mark.parametrize(
    "silent_for, stopped, sent",
    [(timedelta(seconds=1), False, 0), (timedelta(minutes=1), False, 1), (timedelta(seconds=1), True, 1)],
    ids=["alive: its claim holds", "three heartbeats missed: free", "stopped: free"],
)
def test_a_claim_of_another_hosts_worker_is_free_once_its_heartbeat_stops(app, mailbox, silent_for, stopped, sent):
    queue_letters(app, 1)
    other, now = "other-host:4242:12345", utcnow()
    with app.app_context():
        db.session.add(WorkerHeartbeat(holder=other, host="other-host", pid=4242, beat_at=now - silent_for,
                                       stopped_at=now if stopped else None))  # fmt: skip
        db.session.execute(update(OutboxMessage).values(claimed_by=other, claimed_until=now + timedelta(minutes=5)))
        db.session.commit()
        assert deliver_due().sent == sent


def test_a_web_process_in_production_only_queues(make_app, mailbox):
    app = make_app(OUTBOX_COURIER="worker")
    register(app.test_client())
    assert "kabinet_courier" not in app.extensions
    assert mailbox.messages == []
    assert row(app, OutboxMessage)[0].sent_at is None


@pytest.mark.parametrize("value", ["", "threads", "cron"])
def test_an_unknown_courier_is_refused_at_start(make_app, value):
    if not value:
        assert make_app(OUTBOX_COURIER="thread").config["OUTBOX_COURIER"] == "thread"
        return
    with pytest.raises(RuntimeError, match="OUTBOX_COURIER"):
        make_app(OUTBOX_COURIER=value)


# --- scheduled jobs ------------------------------------------------------------------------------------------------


def test_a_job_runs_once_per_period_across_two_workers(make_app):
    runs = []
    probe = jobs.Job("probe", lambda: runs.append(1), timedelta(hours=1))
    apps = [make_app(), make_app()]
    start = threading.Barrier(2)

    def round_of(app, holder):
        with app.app_context():
            start.wait()
            jobs.run_round(holder, [probe])
            db.session.remove()

    threads = [threading.Thread(target=round_of, args=(app, f"test:{n}:1")) for n, app in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert runs == [1]

    with apps[0].app_context():
        assert jobs.run_round("test:0:1", [probe]) == []  # not due again within the hour
        db.session.execute(update(ScheduledJob).values(next_run_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert jobs.run_round("test:1:1", [probe]) == ["probe"]  # the next period: one run more
    assert runs == [1, 1]


def test_a_failing_job_is_noted_and_the_others_still_run(app):
    runs = []

    def broken():
        raise ValueError("диск переполнен")

    with app.app_context():
        done = jobs.run_round("test:1:1", [jobs.Job("broken", broken, timedelta(hours=1)),
                                           jobs.Job("probe", lambda: runs.append(1), timedelta(hours=1))])  # fmt: skip
    assert done == ["broken", "probe"] and runs == [1]
    [broken_row] = row(app, ScheduledJob, ScheduledJob.name == "broken")
    assert broken_row.last_error == "ValueError: диск переполнен" and broken_row.last_finished_at


def test_the_registry_is_a_list_other_features_extend():
    assert isinstance(jobs.JOBS, list)
    assert {"outbox", "binding-drafts", "import-uploads", "sessions", "heartbeats"} <= {job.name for job in jobs.JOBS}


def test_one_round_sweeps_what_has_expired_and_keeps_the_rest(app, user):
    now = utcnow()
    with app.app_context():
        org = _organization_id()
        old_upload, new_upload = (storage.put(b"a;b\n", kind="import", content_type="text/csv", name=f"{n}.csv")
                                  for n in ("old", "new"))  # fmt: skip
        old_upload.created_at = now - timedelta(days=2)
        db.session.add_all([
            BindingDraft(user_id=user, organization_id=org, way="number", updated_at=now - timedelta(hours=3)),
            BindingDraft(user_id=user, organization_id=org, way="number", updated_at=now - timedelta(minutes=5)),
            UserSession(id="ended-long-ago", user_id=user, ended_at=now - timedelta(days=91)),
            UserSession(id="ended-yesterday", user_id=user, ended_at=now - timedelta(days=1)),
            UserSession(id="idle-long-ago", user_id=user, last_seen_at=now - timedelta(days=92)),
            UserSession(id="live", user_id=user),
            WorkerHeartbeat(holder="gone:1:1", host="gone", pid=1, beat_at=now - timedelta(days=8)),
        ])  # fmt: skip
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert [draft.updated_at > now - timedelta(hours=1) for draft in row(app, BindingDraft)] == [True]
    assert sorted(record.id for record in row(app, UserSession)) == ["ended-yesterday", "live"]
    assert [beat.holder for beat in row(app, WorkerHeartbeat)] == [holders.me()]  # this round's own
    assert [upload.name for upload in row(app, StoredFile)] == ["new.csv"]


def _organization_id() -> int:
    from kabinet.organizations import default_organization

    organization = default_organization()
    db.session.commit()
    return organization.id


# --- the process ---------------------------------------------------------------------------------------------------


def test_the_worker_heartbeats_and_stops_cleanly_on_sigterm(app, env):
    worker = subprocess.Popen([*FLASK, "worker"], cwd=ROOT, env=env)
    try:
        [beat] = eventually(lambda: row(app, WorkerHeartbeat, WorkerHeartbeat.pid == worker.pid), "a heartbeat")
        assert beat.stopped_at is None
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    finally:
        worker.kill()
    [beat] = row(app, WorkerHeartbeat, WorkerHeartbeat.pid == worker.pid)
    assert beat.stopped_at is not None
