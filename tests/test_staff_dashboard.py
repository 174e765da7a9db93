"""The back office's home (the dashboard's numbers for a known dataset) and the audit log (filters, admin only)."""

import ast
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from kabinet import audit
from kabinet.clock import local_today, utcnow
from kabinet.extensions import db
from kabinet.models import AuditEvent, BindingRequest, Building, DispatchRequest, Meter, Reading, User
from kabinet.organizations import default_organization
from kabinet.staff import journal, overview
from kabinet.staff.accounts import bindings, debtors
from tests.conftest import logged_in, make_user, page, queries
from tests.factories import add_history, make_account, make_meter, make_staff, other_organization


def request_of(app, organization_id, category, hours_ago, status="new"):
    with app.app_context():
        db.session.add(DispatchRequest(organization_id=organization_id, category=category, description="…",
                                       location="ул. Ленина, д. 5", contact_phone="+79123456789", status=status,
                                       created_at=utcnow() - timedelta(hours=hours_ago)))  # fmt: skip
        db.session.commit()


@pytest.fixture
def dataset(app):
    """Two tenants (one confirmed) on two of three open accounts, four meters, three open requests, some debt."""
    with app.app_context():
        this_month = local_today().replace(day=1)
    ivan = make_user(app)
    maria = make_user(app, login="maria", email="maria@example.org", confirmed=False)
    first = make_account(app, "100101", user_id=ivan)
    make_account(app, "100102", premises="2", user_id=maria, opening_balance=Decimal("-500.00"))  # paid ahead
    make_account(app, "100103", premises="3", opening_balance=Decimal("250.25"))
    make_account(app, "100104", premises="4", is_closed=True)
    add_history(app, first, (this_month - timedelta(days=70)).replace(day=1), 2)  # 2 × 1881.75 charged, 2000 paid
    submitted = make_meter(app, first, serial="A")
    earlier = make_meter(app, first, serial="B")
    make_meter(app, first, serial="C", readings=[(this_month, 5)])  # the company's import: not submitted
    make_meter(app, first, serial="D")
    replaced = make_meter(app, first, serial="E")
    with app.app_context():
        for meter, day in ((submitted, this_month), (earlier, this_month - timedelta(days=1)), (replaced, this_month)):
            db.session.add(Reading(meter_id=meter, taken_on=day, value=Decimal("1"), source="tenant", user_id=ivan))
        db.session.get(Meter, replaced).is_active = False
        organization_id = default_organization().id
        db.session.commit()
    stranger = make_user(app, login="klen", email="klen@example.org")
    elsewhere = other_organization(app, user_id=stranger, number="200101")
    request_of(app, organization_id, "leak", 2)
    request_of(app, organization_id, "leak", 30)
    request_of(app, organization_id, "elevator", 100)
    request_of(app, organization_id, "leak", 200, status="done")
    request_of(app, elsewhere, "leak", 1)
    return organization_id


def test_the_numbers_of_a_known_dataset(app, dataset):
    with app.test_request_context():
        numbers = overview.overview(default_organization(), utcnow(), local_today(), 24)
    assert (numbers.tenants, numbers.confirmed) == (2, 1)
    assert (numbers.bound.count, numbers.bound.total, numbers.bound.percent) == (2, 3, 67)
    assert (numbers.readings.count, numbers.readings.total, numbers.readings.percent) == (1, 4, 25)
    assert numbers.by_category["leak"] == 2 and numbers.by_category["elevator"] == 1
    assert numbers.by_category["no_water"] == 0
    assert numbers.by_age == {"day": 1, "days": 1, "older": 1}
    assert numbers.overdue == 2
    assert numbers.debt == Decimal("2013.75")  # 3763.50 − 2000 + 250.25; the overpayment is not deducted


def test_the_chart_scales_to_the_longest_bar():
    chart = overview.chart({"a": 4, "b": 2, "c": 0}, {"a": "A", "b": "B", "c": "C"})
    widths = [bar.width for bar in chart.bars]
    assert widths[0] == 2 * widths[1] and widths[2] == 0 and widths[0] == overview.WIDTH - overview.LABEL_WIDTH - 40
    assert overview.chart({}, {}).bars == []


def test_the_dashboard_page_in_bounded_queries(app, dataset):
    make_staff(app, "dispatcher")
    client = logged_in(app, "dispatcher")
    with queries(app) as counted:
        response = client.get("/staff/")
    shown = page(response)
    assert response.status_code == 200 and counted.count <= 13  # the numbers, the ratings, pending bindings
    assert "2 013,75" in shown.replace("\xa0", " ")
    assert 'data-value="2"' in shown and "Протечка" in shown and "/staff/dispatch/?category=leak" in shown
    assert "/staff/tenants/" not in shown.split('data-test="tenants"')[1].split("</div>")[0]  # not theirs to open
    assert "<script>" not in shown and "style=" not in shown  # the CSP allows neither inline


@pytest.mark.parametrize("role", ["admin", "dispatcher", "accountant"])
def test_every_staff_role_sees_the_dashboard(app, role):
    make_staff(app, role)
    assert logged_in(app, role).get("/staff/").status_code == 200


def test_the_dashboard_is_for_staff_only(app, client, user):
    assert "/auth/login" in client.get("/staff/").headers["Location"]
    assert logged_in(app, "ivan").get("/staff/").status_code == 404


# --- the numbers open their lists ---------------------------------------------------------------------------------


def card_link(shown: str, card: str) -> str | None:
    """Where the heading of a dashboard card leads, or None when it is plain text."""
    heading = shown.split(f'data-test="{card}"')[1].split("</h2>")[0]
    found = re.search(r'<h2[^>]*>\s*<a href="([^"]+)"', heading)
    return found[1] if found else None


def rows_of(shown: str, name: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", row).replace("\xa0", " ").split())
            for row in re.findall(rf'data-test="{name}">(.*?)</(?:tr|li)>', shown, re.S)]  # fmt: skip


def test_the_debt_opens_the_debtors_largest_first_with_their_debts(app, dataset):
    make_staff(app, "accountant")
    accountant = logged_in(app, "accountant")
    assert card_link(page(accountant.get("/staff/")), "debt") == "/staff/accounts/debtors"
    with queries(app) as counted:
        response = accountant.get("/staff/accounts/debtors")
    shown = page(response)
    assert response.status_code == 200 and counted.count <= 10
    assert rows_of(shown, "debtor") == [
        "100101 г. Иркутск, ул. Ленина, д. 5, кв. 1 Петров Иван Сергеевич 1 763,50",
        "100103 г. Иркутск, ул. Ленина, д. 5, кв. 3 Петров Иван Сергеевич 250,25",
    ]  # not the one paid ahead, the closed one without debt, or another organization's
    # The total is the dashboard's number.
    assert "Задолженность 2 013,75 ₽ по 2 лицевым счетам" in shown.replace("\xa0", " ")


def test_a_closed_account_with_a_debt_is_a_debtor_too(app, dataset):
    make_account(app, "100105", premises="5", is_closed=True, opening_balance=Decimal("9000.10"))
    make_staff(app, "accountant")
    shown = page(logged_in(app, "accountant").get("/staff/accounts/debtors"))
    first = rows_of(shown, "debtor")[0]
    assert first.startswith("100105 закрыт") and first.endswith("9 000,10")


def test_the_debtors_are_paged(app, dataset, monkeypatch):
    monkeypatch.setattr(debtors, "PER_PAGE", 1)
    make_staff(app, "accountant")
    accountant = logged_in(app, "accountant")
    assert [row.split()[0] for row in rows_of(page(accountant.get("/staff/accounts/debtors?page=2")), "debtor")] == [
        "100103"
    ]
    assert "Страница 2 из 2" in page(accountant.get("/staff/accounts/debtors?page=2"))


def test_without_debtors_the_list_says_so(app):
    make_account(app, opening_balance=Decimal("-10.00"))
    make_staff(app, "accountant")
    shown = page(logged_in(app, "accountant").get("/staff/accounts/debtors"))
    assert 'data-test="nothing"' in shown and 'data-test="debtor"' not in shown


def test_the_dispatcher_sees_the_debt_but_not_the_list(app, dataset):
    make_staff(app, "dispatcher")
    dispatcher = logged_in(app, "dispatcher")
    assert card_link(page(dispatcher.get("/staff/")), "debt") is None
    assert dispatcher.get("/staff/accounts/debtors").status_code == 403


def ask_to_bind(app, login, first_name, last_name, premises="1", role="owner"):
    """A tenant's pending request to bind the account at ул. Ленина, д. 5, кв. `premises`."""
    user_id = make_user(app, login=login, email=f"{login}@example.org", first_name=first_name, last_name=last_name)
    with app.app_context():
        building = db.session.scalar(db.select(Building).where(Building.address == "г. Иркутск, ул. Ленина, д. 5"))
        db.session.add(BindingRequest(user_id=user_id, building_id=building.id, premises=premises, role=role))
        db.session.commit()


def test_pending_binding_requests_open_their_list_with_a_hint_when_the_names_differ(app, dataset):
    # The owner of 100101 and 100103 is «Петров Иван Сергеевич» (tests/factories.py).
    ask_to_bind(app, "petrov", "Иван", "ПЕТРОВ")  # the owner, as the file spells him
    ask_to_bind(app, "sidorova", "Анна", "Сидорова", premises="3")  # somebody else
    ask_to_bind(app, "wife", "Мария", "Петрова", premises="3", role="resident")  # a resident is not the owner anyway
    make_staff(app, "accountant")
    accountant = logged_in(app, "accountant")
    dashboard = page(accountant.get("/staff/"))
    assert 'href="/staff/accounts/bindings">заявок на привязку по адресу: 3</a>' in dashboard
    requests = rows_of(page(accountant.get("/staff/accounts/bindings")), "binding-request")
    assert len(requests) == 3
    hint = "Имя заявителя не совпадает с собственником по лицевому счету № {}: Петров Иван Сергеевич."
    assert "не совпадает" not in requests[0]
    assert hint.format("100103") in requests[1] and "Анна Сидорова" in requests[1]
    assert "не совпадает" not in requests[2]


@pytest.mark.parametrize(
    ("first", "last", "owner", "same"),
    [("Иван", "Петров", "Петров Иван Сергеевич", True), ("иван", "ПЕТРОВ", "петров иван", True),
     ("Пётр", "Семёнов", "Семенов Петр Ильич", True), ("Иван", "Петров", "ПЕТРОВ И. С.", True),
     ("Иван", "Петров", "", True), ("Анна", "Петрова", "Петров Иван Сергеевич", False),
     ("Игорь", "Петров", "Петров Иван Сергеевич", False), ("Иван", "Сидоров", "Петров И. С.", False)],
)  # fmt: skip
def test_the_applicant_and_the_owner_are_compared_by_name(first, last, owner, same):
    assert bindings.same_person(User(first_name=first, last_name=last), owner) is same


# --- the audit log -----------------------------------------------------------------------------------------------


def event(app, action, actor, *, user_id=None, ip="10.0.0.1", when=None, details="", target=""):
    with app.app_context():
        db.session.add(AuditEvent(action=action, actor=actor, user_id=user_id, ip=ip, details=details, target=target,
                                  created_at=when or utcnow()))  # fmt: skip
        db.session.commit()


@pytest.fixture
def admin(app):
    make_staff(app, "admin")
    return logged_in(app, "admin")


def rows(response) -> int:
    return page(response).count('data-test="event"')


def test_only_the_admin_reads_the_log(app, client, user):
    assert "/auth/login" in client.get("/staff/audit").headers["Location"]
    assert logged_in(app, "ivan").get("/staff/audit").status_code == 404
    for role in ("dispatcher", "accountant"):
        make_staff(app, role)
        assert logged_in(app, role).get("/staff/audit").status_code == 403


def test_the_log_cannot_be_changed_from_the_app(app, admin):
    methods = {
        method for rule in app.url_map.iter_rules() if rule.rule.startswith("/staff/audit") for method in rule.methods
    }
    assert methods <= {"GET", "HEAD", "OPTIONS"}
    assert admin.post("/staff/audit").status_code == 405 and admin.delete("/staff/audit").status_code == 405


def test_the_log_newest_first_with_filters(app, admin):
    dispatcher = make_staff(app, "dispatcher")
    tenant = make_user(app)
    make_account(app, user_id=tenant)
    long_ago = utcnow() - timedelta(days=40)
    event(app, "dispatch.status", "dispatcher", user_id=dispatcher, ip="192.168.1.5", details="заявка закрыта")
    event(app, "login", "ivan", user_id=tenant, ip="10.0.0.7", when=long_ago)
    event(app, "login_failed", "<script>x</script>", ip="10.0.9.9")
    everything = admin.get("/staff/audit")
    shown = page(everything)
    assert rows(everything) == 4  # with the admin's own login
    assert shown.index("заявка закрыта") < shown.index("10.0.0.7")  # newest first
    assert "<script>x</script>" not in shown and "&lt;script&gt;" in shown
    assert rows(admin.get("/staff/audit", query_string={"action": "login_failed"})) == 1
    assert rows(admin.get("/staff/audit", query_string={"login": "IVAN"})) == 1
    assert rows(admin.get("/staff/audit", query_string={"ip": "10.0."})) == 2
    day = (long_ago + timedelta(hours=3)).date()  # the log's days are the company's (Moscow by default)
    assert rows(admin.get("/staff/audit", query_string={"since": day.isoformat(), "until": day.isoformat()})) == 1
    assert rows(admin.get("/staff/audit", query_string={"since": (day + timedelta(days=1)).isoformat()})) == 3


@pytest.mark.parametrize(
    ("args", "message", "status"),
    [({"since": "2024-05-02", "until": "2024-05-01"}, "Конец периода раньше его начала.", 200),
     ({"since": "вчера"}, "Not a valid date value", 400),  # a date that cannot be read: a bad request
     ({"action": "nonsense"}, "", 200)],
)  # fmt: skip
def test_a_bad_filter_is_shown_and_left_out(app, admin, args, message, status):
    response = admin.get("/staff/audit", query_string=args)
    assert response.status_code == status and rows(response) == 1
    assert "is-invalid" in page(response)


def test_another_organizations_events_are_not_shown(app, admin):
    elsewhere = other_organization(app)
    theirs = make_user(app, login="klenadmin", email="a@klen.example.org", role="admin", organization_id=elsewhere)
    stranger = make_user(app, login="klen", email="klen@example.org")
    other_organization(app, number="200102", user_id=stranger)
    event(app, "team.block", "klenadmin", user_id=theirs)
    event(app, "login", "klen", user_id=stranger)
    shown = page(admin.get("/staff/audit"))
    assert "klenadmin" not in shown and ">klen<" not in shown
    klen = logged_in(app, "klenadmin")
    shown = page(klen.get("/staff/audit"))
    assert "klenadmin" in shown and ">admin<" not in shown


def test_the_log_is_paginated(app, admin):
    with app.app_context():
        db.session.add_all(AuditEvent(action="login", actor=f"user{n}", ip="10.0.0.1") for n in range(60))
        db.session.commit()
    with queries(app) as counted:
        first = admin.get("/staff/audit")
    assert rows(first) == 50 and "Страница 1 из 2" in page(first) and counted.count <= 10
    assert rows(admin.get("/staff/audit", query_string={"page": 2})) == 11


def test_a_staff_action_is_in_the_log(app, admin):
    tenant = make_user(app, login="petr", email="petr@example.org")
    admin.post(f"/staff/tenants/{tenant}/block")
    shown = page(admin.get("/staff/audit", query_string={"action": "tenant.block"}))
    assert "Житель заблокирован" in shown and f"пользователь № {tenant}" in shown and f"users:{tenant}" not in shown


def test_the_log_names_actions_and_targets_in_russian(app, admin):
    dispatcher = make_staff(app, "dispatcher")
    event(app, "dispatch.status", "dispatcher", user_id=dispatcher, details="new → done", target="dispatch_requests:3")
    shown = page(admin.get("/staff/audit"))
    assert "Смена статуса заявки" in shown and "заявка № 3" in shown and "new → done" in shown  # details as recorded
    assert ">dispatch.status<" not in shown
    assert '<option value="dispatch.status">Смена статуса заявки</option>' in shown  # the filter's choice too
    event(app, "codeword.issue", "accountant", user_id=dispatcher, target="accounts:5")
    event(app, "readings.export", "accountant", user_id=dispatcher, target="2026-10")
    shown = page(admin.get("/staff/audit"))
    assert "лицевой счёт, запись 5" in shown and ">2026-10<" in shown  # not a number the staff know; a plain text


def recorded_actions() -> set[str]:
    """Every action name the code passes to audit.record(): a text, a constant of kabinet.audit, one of two texts
    (`"a" if x else "b"`), or a variable the same function sets to texts."""
    found = set()

    def names(node, function) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "audit":
            return {getattr(audit, node.attr)}
        if isinstance(node, ast.IfExp):
            return names(node.body, function) | names(node.orelse, function)
        if isinstance(node, ast.Name) and function is not None:
            return {
                value
                for assign in ast.walk(function)
                if isinstance(assign, ast.Assign) and any(getattr(t, "id", None) == node.id for t in assign.targets)
                for value in names(assign.value, None)
            }
        raise AssertionError(f"an action the test cannot read: {ast.dump(node)}")

    for source in Path(audit.__file__).parent.rglob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
            for call in ast.walk(function):
                func = getattr(call, "func", None)
                if (
                    isinstance(func, ast.Attribute)
                    and func.attr == "record"
                    and getattr(func.value, "id", "") == "audit"
                ):
                    found |= names(call.args[0], function)
    return found


def test_every_recorded_action_has_a_russian_label():
    actions = recorded_actions()
    assert {"dispatch.status", "announcement.create", "totp.enabled", audit.LOGIN} <= actions  # the scan finds them
    assert sorted(actions - journal.ACTION_LABELS.keys()) == []
