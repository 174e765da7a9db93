"""Deadlines per category of request: the admin sets them («Сроки заявок»), the tenant sees the one of their request,
the queue marks and filters the requests past it, the dashboard counts them."""

import re
from datetime import timedelta

import pytest
from flask_babel import format_datetime
from sqlalchemy import select

from kabinet import messages
from kabinet.clock import local_today, utcnow
from kabinet.dispatch.deadlines import deadlines_of, set_hours
from kabinet.extensions import db
from kabinet.models import DispatchDeadline, DispatchRequest
from kabinet.organizations import default_organization
from kabinet.staff import overview
from tests import test_staff_dispatch as staff
from tests.conftest import audited, logged_in, page, shows
from tests.factories import make_account, make_staff

dispatcher, stranger, file, listed = staff.dispatcher, staff.stranger, staff.file, staff.listed
URL = "/staff/dispatch/deadlines"


@pytest.fixture
def admin(app):
    make_staff(app, "admin")
    return logged_in(app, "admin")


def set_deadlines(app, **hours):
    with app.app_context():
        organization_id = default_organization().id
        db.session.add_all(DispatchDeadline(organization_id=organization_id, category=key, hours=value)
                           for key, value in hours.items())  # fmt: skip
        db.session.commit()


def stored(app) -> dict[str, int]:
    with app.app_context():
        return set_hours(default_organization().id)


def form(**typed) -> dict[str, str]:
    return {key: typed.get(key, "") for key in ("leak", "no_water", "no_heating", "no_electricity", "elevator",
                                                "sewage", "other")}  # fmt: skip


# --- the admin's page ----------------------------------------------------------------------------------------------


def test_the_admin_sets_hours_per_category_and_an_empty_field_is_the_default(app, admin):
    shown = page(admin.get(URL))
    assert "Сроки заявок" in shown and "срок по умолчанию: 24 ч" in shown
    assert shown.count("пустое поле — 24 ч по умолчанию") == 7 and "Протечка" in shown and "Лифт" in shown
    assert shown.count('inputmode="numeric" name=') == 7
    assert 'href="/staff/dispatch/deadlines"' in page(admin.get("/staff/dispatch/"))

    saved = admin.post(URL, data=form(leak="4", elevator="48"), follow_redirects=True)

    assert shows(saved, messages.STAFF_DISPATCH_DEADLINES_SAVED)
    assert stored(app) == {"leak": 4, "elevator": 48}
    assert re.search(r'name="leak"[^>]*value="4"', page(saved))
    admin.post(URL, data=form(elevator="48"))
    assert stored(app) == {"elevator": 48}
    assert [e.details for e in audited(app, "dispatch.deadlines")] == ["leak: — → 4; elevator: — → 48", "leak: 4 → —"]
    assert shows(admin.post(URL, data=form(elevator="48"), follow_redirects=True),
                 messages.STAFF_DISPATCH_DEADLINES_UNCHANGED)  # fmt: skip
    assert len(audited(app, "dispatch.deadlines")) == 2


@pytest.mark.parametrize("typed", ["0", "721", "abc", "4.5", "-3", "1e3", "9" * 5000, "١٢"])
def test_hours_that_are_not_a_whole_number_in_range_are_explained_and_kept(app, admin, typed):
    response = admin.post(URL, data=form(leak=typed, elevator="8"))
    assert response.status_code == 200
    shown = page(response)
    assert "Целое число часов от 1 до 720, или оставьте поле пустым." in shown and 'id="leak-errors"' in shown
    assert f'value="{typed}"' in shown and 'value="8"' in shown
    assert stored(app) == {}


def test_only_the_admin_sets_deadlines(app, dispatcher):
    assert dispatcher.get(URL).status_code == 403
    assert dispatcher.post(URL, data=form(leak="1")).status_code == 403
    assert 'href="/staff/dispatch/deadlines"' not in page(dispatcher.get("/staff/dispatch/"))
    assert stored(app) == {}


# --- where a deadline shows ----------------------------------------------------------------------------------------


def test_the_tenant_sees_the_deadline_of_their_open_request(app, user):
    account = make_account(app, "100101", user_id=user)
    leak = file(app, account_id=account, user_id=user, hours_ago=1)
    elevator = file(app, account_id=account, user_id=user, hours_ago=1, category="elevator")
    set_deadlines(app, leak=4)
    tenant = logged_in(app, "ivan")
    # Formatted in a context of its own: the client's requests would share its `g` (and its anonymous user) otherwise.
    with app.test_request_context():
        filed_at = {number: db.session.get(DispatchRequest, number).created_at for number in (leak, elevator)}
        dues = {number: format_datetime(filed_at[number] + timedelta(hours=hours), "short")
                for number, hours in ((leak, 4), (elevator, 24))}  # fmt: skip
    for number, due in dues.items():
        shown = page(tenant.get(f"/dispatch/{number}"))
        assert f'Срок выполнения</dt><dd class="col-sm-8" data-test="due">до {due}</dd>' in shown


def test_the_queue_marks_and_filters_the_requests_past_their_categorys_deadline(app, dispatcher):
    set_deadlines(app, leak=2)
    late_leak = file(app, hours_ago=3)
    elevator = file(app, hours_ago=3, category="elevator")  # 24 h by default: in time
    late_elevator = file(app, hours_ago=30, category="elevator", status="in_progress")
    file(app, hours_ago=5, status="done")  # closed: no deadline
    text = page(dispatcher.get("/staff/dispatch/?status=all"))
    rows = dict(re.findall(r'data-id="(\d+)"([^>]*)>', text))
    assert {int(n) for n, attributes in rows.items() if "data-overdue" in attributes} == {late_leak, late_elevator}
    assert str(elevator) in rows

    assert sorted(listed(dispatcher.get("/staff/dispatch/?overdue=y"))) == [late_leak, late_elevator]
    assert listed(dispatcher.get("/staff/dispatch/?overdue=y&category=leak")) == [late_leak]
    assert 'data-test="overdue"' in page(dispatcher.get(f"/staff/dispatch/{late_leak}"))
    assert 'data-test="overdue"' not in page(dispatcher.get(f"/staff/dispatch/{elevator}"))


def test_a_request_sent_back_counts_its_deadline_from_then(app, dispatcher):
    number = file(app, hours_ago=100, status="reopened")
    with app.app_context():
        filed = db.session.get(DispatchRequest, number)
        filed.reopened_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        assert deadlines_of(filed.organization_id).due(filed) == filed.reopened_at + timedelta(hours=24)
    assert listed(dispatcher.get("/staff/dispatch/?overdue=y")) == []
    assert 'data-overdue="true"' not in page(dispatcher.get("/staff/dispatch/"))


def test_the_dashboard_counts_the_overdue_by_their_categorys_deadline_and_opens_them(app, dispatcher):
    set_deadlines(app, leak=2)
    file(app, hours_ago=3)
    file(app, hours_ago=3, category="elevator")
    file(app, hours_ago=30, category="elevator")
    with app.test_request_context():
        assert overview.overview(default_organization(), utcnow(), local_today(), 24).overdue == 2
        # the installation's default stands for the categories the company left alone
        assert overview.overview(default_organization(), utcnow(), local_today(), 48).overdue == 1
    assert 'href="/staff/dispatch/?overdue=y"' in page(dispatcher.get("/staff/"))


def test_deadlines_are_per_organization(app, dispatcher, stranger):
    set_deadlines(app, leak=2)
    with app.app_context():
        assert deadlines_of(stranger["organization"]).hours["leak"] == 24
        assert db.session.scalar(select(DispatchDeadline.organization_id)) == default_organization().id
