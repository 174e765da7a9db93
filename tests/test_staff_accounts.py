"""The accountant's back office: finding an account, its page, meters, readings, code words and binding approvals."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import select

from kabinet import messages
from kabinet.accounts import codewords
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import (
    Account,
    AccountBinding,
    BindingRequest,
    Building,
    DispatchRequest,
    Meter,
    Reading,
    ReadingChange,
    User,
)
from tests.conftest import PASSWORD, audited, html_of, links_in, make_user, page, queries, shows, text_of
from tests.factories import add_history, make_account, make_meter, make_staff, other_organization


def shown_once(response, message) -> bool:
    """The page shows the message exactly once: the layout draws the flashed messages, the page must not again."""
    text = str(message.text) if hasattr(message, "text") else str(message)
    return page(response).count(str(escape(text))) == 1


ADDRESS = "г. Иркутск, ул. Ленина, д. 5"


@pytest.fixture
def accountant(app, client):
    """A logged-in accountant of the default organization."""
    make_staff(app, "accountant")
    client.post("/auth/login", data={"login": "accountant", "password": PASSWORD})
    return client


def login(client, login):
    client.post("/auth/logout")
    return client.post("/auth/login", data={"login": login, "password": PASSWORD})


def foreign_account(app) -> int:
    other_organization(app)
    with app.app_context():
        return db.session.scalar(select(Account.id).where(Account.number == "200101"))


def pdf_text(response) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)


# --- who may ------------------------------------------------------------------------------------------------------


def routes(ids):
    account, meter, reading, binding, request = ids
    base = f"/staff/accounts/{account}"
    return [
        ("get", "/staff/accounts/?q=100"),
        ("get", base),
        ("post", f"{base}/tenants/{binding}/unbind"),
        ("get", f"{base}/meters/{meter}/replace"),
        ("get", f"{base}/readings/{reading}/correct"),
        ("post", f"{base}/codeword"),
        ("get", "/staff/accounts/codewords"),
        ("get", "/staff/accounts/bindings"),
        ("get", f"/staff/accounts/bindings/{request}"),
        ("post", f"/staff/accounts/bindings/{request}/reject"),
    ]


@pytest.fixture
def ids(app, user):
    account = make_account(app, user_id=user)
    meter = make_meter(app, account, readings=[(date(2026, 9, 20), 10)])
    with app.app_context():
        reading = db.session.scalar(select(Reading.id))
        binding = db.session.scalar(select(AccountBinding.id))
        building = db.session.scalar(select(Building.id))
        request = BindingRequest(user_id=user, building_id=building, premises="1", role="owner")
        db.session.add(request)
        db.session.commit()
        return account, meter, reading, binding, request.id


@pytest.mark.parametrize("role, status", [("dispatcher", 403), ("accountant", 200), ("admin", 200)])
def test_the_roles(app, client, ids, role, status):
    make_staff(app, role)
    login(client, role)
    for method, url in routes(ids):
        answer = getattr(client, method)(url)
        if status == 403:
            assert answer.status_code == 403, url
        else:
            assert answer.status_code in (200, 302), url  # the POSTs without a form redirect back


def test_a_tenant_gets_404_and_a_visitor_the_login(app, client, ids):
    for method, url in routes(ids):
        assert "/auth/login" in getattr(client, method)(url).headers["Location"], url
    login(client, "ivan")
    for method, url in routes(ids):
        assert getattr(client, method)(url).status_code == 404, url


def test_another_organizations_account_and_request_are_404(app, accountant):
    account = foreign_account(app)
    with app.app_context():
        building = db.session.scalar(select(Account.building_id).where(Account.id == account))
        tenant = make_user(app, login="klen", email="klen@example.org")
        request = BindingRequest(user_id=tenant, building_id=building, premises="7", role="owner")
        db.session.add(request)
        db.session.commit()
        request_id = request.id
    assert accountant.get(f"/staff/accounts/{account}").status_code == 404
    assert accountant.post(f"/staff/accounts/{account}/codeword").status_code == 404
    assert accountant.get(f"/staff/accounts/bindings/{request_id}").status_code == 404
    assert accountant.post(f"/staff/accounts/bindings/{request_id}/reject", data={"reason": "x"}).status_code == 404
    assert 'data-test="nothing"' in page(accountant.get("/staff/accounts/?q=200101"))
    assert "Кленовая" not in page(accountant.get("/staff/accounts/bindings"))


# --- search and the account's page -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, found",
    [
        ("100101", ["100101"]),
        ("петров", ["100101"]),
        ("ПЕТРОВ иван", ["100101"]),
        ("Сидорова", ["100102"]),
        ("ленина 5 кв 12", ["100102"]),
        ("Ленина", ["100101", "100102"]),
        ("Мира", []),
    ],
)
def test_search(app, accountant, query, found):
    make_account(app, "100101", premises="1")
    make_account(app, "100102", premises="12", owner_name="Сидорова Анна")
    answer = page(accountant.get("/staff/accounts/", query_string={"q": query}))
    assert re.findall(r'data-test="account">\s*<td><a[^>]*>(\d+)', answer) == found


def test_search_pages(app, accountant):
    for n in range(27):
        make_account(app, f"3000{n:02d}", premises=str(n + 1))
    first = page(accountant.get("/staff/accounts/?q=3000"))
    assert first.count('data-test="account"') == 25 and "Страница 1 из 2" in first
    assert page(accountant.get("/staff/accounts/?q=3000&page=2")).count('data-test="account"') == 2


def test_the_account_page(app, accountant, user):
    account = make_account(app, user_id=user)
    make_meter(app, account, readings=[(date(2026, 9, 20), 10), (date(2026, 10, 20), 15)])
    add_history(app, account, date(2025, 1, 1), 20)
    with app.app_context():
        filed = DispatchRequest(account_id=account, user_id=user, category="plumbing", description="Течёт <b>кран</b>",
                                location="кв. 1", contact_phone="+79123456789")  # fmt: skip
        filed.organization_id = db.session.get(Account, account).organization_id
        db.session.add(filed)
        db.session.commit()
    answer = page(accountant.get(f"/staff/accounts/{account}"))
    assert "Петров Иван" in answer and "ivan@example.org" in answer and "по кодовому слову" in answer
    assert answer.count('data-test="reading"') == 2 and "CW-1" in answer
    assert answer.count('data-test="month"') == 12
    assert "Течёт &lt;b&gt;кран&lt;/b&gt;" in answer
    assert "Задолженность" in answer


# --- tenants, meters, readings -----------------------------------------------------------------------------------


def test_unbind_a_tenant(app, accountant, user):
    account = make_account(app, user_id=user)
    with app.app_context():
        binding = db.session.scalar(select(AccountBinding.id))
    answer = accountant.post(f"/staff/accounts/{account}/tenants/{binding}/unbind", follow_redirects=True)
    assert "Лицевой счет отвязан от профиля жителя" in page(answer)
    with app.app_context():
        assert db.session.scalar(select(AccountBinding.id)) is None
    assert [e.target for e in audited(app, "account.unbind")] == [f"accounts:{account}"]


def test_replace_a_meter(app, accountant, user):
    account = make_account(app, user_id=user)
    meter = make_meter(app, account, readings=[(date(2026, 9, 20), 10)])
    url = f"/staff/accounts/{account}/meters/{meter}/replace"
    form = {"replaced_on": "2026-10-05", "final_value": "12,5", "serial": "CW-2", "kind": "cold_water",
            "verification_due": "2032-10-01", "initial_value": "0,001"}  # fmt: skip
    answer = accountant.post(url, data=form, follow_redirects=True)
    assert shown_once(answer, messages.STAFF_METER_REPLACED.text % {"serial": "CW-2"})
    with app.app_context():
        old, new = db.session.scalars(select(Meter).order_by(Meter.id)).all()
        assert (old.is_active, old.closed_on, [r.value for r in old.readings]) == (
            False, date(2026, 10, 5), [Decimal("10"), Decimal("12.5")])  # fmt: skip
        assert (new.is_active, new.serial, new.verification_due) == (True, "CW-2", date(2032, 10, 1))
        assert [(r.value, r.source) for r in new.readings] == [(Decimal("0.001"), "staff")]
    assert len(audited(app, "meter.replace")) == 1
    assert accountant.get(url).status_code == 404  # a replaced meter is not replaced twice


@pytest.mark.parametrize(
    "change, field, error",
    [
        ({"final_value": "5"}, "final_value", "Последнее показание меньше предыдущего (10)."),
        ({"replaced_on": "2026-09-01"}, "replaced_on", "раньше последнего показания"),
        ({"serial": "cw-1"}, "serial", "уже есть счетчик с таким номером"),
        ({"initial_value": "abc"}, "initial_value", "Введите число"),
        ({"replaced_on": ""}, "replaced_on", ""),
    ],
)
def test_replace_a_meter_refuses_bad_input(app, accountant, change, field, error):
    account = make_account(app)
    meter = make_meter(app, account, readings=[(date(2026, 9, 20), 10)])
    form = {"replaced_on": "2026-10-05", "final_value": "12", "serial": "CW-2", "kind": "cold_water",
            "initial_value": "0", **change}  # fmt: skip
    answer = accountant.post(f"/staff/accounts/{account}/meters/{meter}/replace", data=form)
    assert answer.status_code == 200
    assert f'id="{field}-errors"' in page(answer) and error in page(answer)
    assert 'value="CW-2"' in page(answer) or field == "serial"  # the input is kept
    with app.app_context():
        assert db.session.scalar(select(Meter.is_active).where(Meter.id == meter)) is True


def test_correct_a_reading_and_the_tenant_sees_it(app, client, accountant, user):
    account = make_account(app, user_id=user)
    meter = make_meter(app, account, readings=[(date(2026, 9, 20), 100)])
    with app.app_context():
        reading = db.session.scalar(select(Reading.id))
    url = f"/staff/accounts/{account}/readings/{reading}/correct"
    assert "Укажите причину" in page(accountant.post(url, data={"value": "10", "reason": ""}))
    assert "Это значение уже записано" in page(accountant.post(url, data={"value": "100", "reason": "опечатка"}))
    answer = accountant.post(url, data={"value": "10,5", "reason": "Опечатка при загрузке"}, follow_redirects=True)
    assert shown_once(answer, messages.STAFF_READING_CORRECTED)
    with app.app_context():
        changed = db.session.get(Reading, reading)
        assert (changed.value, changed.source) == (Decimal("10.5"), "staff")
        change = db.session.scalar(select(ReadingChange))
        assert (change.old_value, change.reason) == (Decimal("100"), "Опечатка при загрузке")
    assert len(audited(app, "reading.correct")) == 1
    login(client, "ivan")
    history = page(client.get(f"/readings/{account}/meters/{meter}"))
    assert 'data-test="change"' in history and "Опечатка при загрузке" in history  # the tenant is told why


@pytest.mark.parametrize(
    "typed, error",
    [
        ("100", "Не меньше предыдущего показания: 116 от 20.09.2026."),
        ("1 300,5", "Не больше следующего показания: 1 234,5 от 20.11.2026."),
    ],
)
def test_a_correction_stays_between_the_readings_before_and_after_it(app, accountant, typed, error):
    account = make_account(app)
    readings = [(date(2026, 9, 20), 116), (date(2026, 10, 20), 1200), (date(2026, 11, 20), "1234.5")]
    meter = make_meter(app, account, readings=readings)
    with app.app_context():
        reading = db.session.scalar(select(Reading.id).where(Reading.taken_on == date(2026, 10, 20)))
    url = f"/staff/accounts/{account}/readings/{reading}/correct"
    answer = accountant.post(url, data={"value": typed, "reason": "опечатка"})
    html = page(answer)
    assert answer.status_code == 200
    assert error in html[html.index('id="value-errors"') :][:400]
    assert "116.000" not in html and "1234.500" not in html
    for value in ("116", "1234,5"):  # the neighbours themselves are allowed
        assert accountant.post(url, data={"value": value, "reason": "опечатка"}).status_code == 302
    with app.app_context():
        assert db.session.get(Reading, reading).value == Decimal("1234.5")
        assert len(db.session.scalars(select(ReadingChange).join(Reading).where(Reading.meter_id == meter)).all()) == 2


# --- code words --------------------------------------------------------------------------------------------------


def test_a_new_code_word_letter(app, accountant):
    account = make_account(app)
    answer = accountant.post(f"/staff/accounts/{account}/codeword")
    assert answer.mimetype == "application/pdf"
    text = pdf_text(answer)
    word = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", text).group()
    assert "100101" in text
    with app.app_context():
        issued = db.session.get(Account, account)
        assert codewords.opens(issued, word) and issued.code_word_issued_at is not None
    assert len(audited(app, "codeword.issue")) == 1
    assert "Выдано" in page(accountant.get(f"/staff/accounts/{account}"))


def test_a_new_code_word_is_asked_to_be_confirmed_first(app, accountant):
    account = make_account(app)
    show = page(accountant.get(f"/staff/accounts/{account}"))
    assert f'href="/staff/accounts/{account}/codeword"' in show  # a link to the question, not a button that acts

    question = accountant.get(f"/staff/accounts/{account}/codeword")

    assert question.status_code == 200 and question.mimetype == "text/html"
    text = page(question)
    assert "Прежнее кодовое слово перестанет действовать" in text
    form = re.search(rf'<form method="post" action="/staff/accounts/{account}/codeword".*?</form>', text, re.S)
    assert form and "Выдать новое кодовое слово" in form[0]
    assert f'href="/staff/accounts/{account}">Отмена</a>' in text
    with app.app_context():
        assert db.session.get(Account, account).code_word_issued_at is None
    assert audited(app, "codeword.issue") == []


def test_code_words_for_a_house(app, accountant):
    make_account(app, "100101", premises="1")
    make_account(app, "100102", premises="2", owner_name="Сидорова Анна")
    make_account(app, "500101", premises="1", address="г. Иркутск, ул. Мира, д. 1")
    with app.app_context():
        building = db.session.scalar(select(Building.id).where(Building.address == ADDRESS))
    answer = accountant.post("/staff/accounts/codewords", data={"building": building})
    text = pdf_text(answer)
    assert "100101" in text and "100102" in text and "500101" not in text
    assert len(PdfReader(io.BytesIO(answer.data)).pages) == 2
    assert [e.target for e in audited(app, "codeword.generate")] == [f"buildings:{building}"]
    again = accountant.post("/staff/accounts/codewords", data={"building": building}, follow_redirects=True)
    assert shows(again, messages.STAFF_CODE_WORDS_NONE)
    assert '<td class="text-end">2</td>' in page(accountant.get("/staff/accounts/codewords"))


def test_code_words_for_another_organizations_house_are_refused(app, accountant):
    make_account(app)
    foreign_account(app)
    with app.app_context():
        building = db.session.scalar(select(Building.id).where(Building.address.contains("Кленовая")))
    answer = accountant.post("/staff/accounts/codewords", data={"building": building})
    assert answer.status_code == 200 and 'id="building-errors"' in page(answer)


# --- binding approvals -------------------------------------------------------------------------------------------


@pytest.fixture
def requested(app, user):
    """A tenant's request for apartment 12 of the house, where there is such an account; the request's id."""
    make_account(app, "100101", premises="1")
    make_account(app, "100112", premises="12", owner_name="Сидорова Анна")
    with app.app_context():
        building = db.session.scalar(select(Building.id))
        request = BindingRequest(user_id=user, building_id=building, premises="12", role="resident")
        db.session.add(request)
        db.session.commit()
        return request.id


def test_the_pending_requests(app, accountant, requested):
    listed = page(accountant.get("/staff/accounts/bindings"))
    assert "Петров" in listed and "кв. 12" in listed and "Подходит: 100112" in listed
    one = page(accountant.get(f"/staff/accounts/bindings/{requested}"))
    assert one.index("100112") < one.index("100101")  # the match first


def test_approve_and_the_tenant_sees_the_account(app, client, accountant, requested):
    with app.app_context():
        account = db.session.scalar(select(Account.id).where(Account.number == "100112"))
    answer = accountant.post(f"/staff/accounts/bindings/{requested}/approve", data={"account": account},
                             follow_redirects=True)  # fmt: skip
    assert shown_once(answer, messages.STAFF_BINDING_APPROVED.text % {"number": "100112"})
    with app.app_context():
        binding = db.session.scalar(select(AccountBinding))
        request = db.session.get(BindingRequest, requested)
        assert (binding.account_id, binding.method, binding.role) == (account, "address", "resident")
        assert (request.state, request.account_id, request.decided_at is not None) == ("approved", account, True)
        assert request.decided_by is not None
    assert len(audited(app, "binding.approve")) == 1
    again = accountant.post(f"/staff/accounts/bindings/{requested}/approve", data={"account": account},
                            follow_redirects=True)  # fmt: skip
    assert shows(again, messages.STAFF_BINDING_DECIDED)
    login(client, "ivan")
    assert "Лицевой счет № 100112" in page(client.get("/cabinet/"))


def test_the_tenant_is_emailed_the_approval(app, accountant, requested, mailbox, deliver):
    with app.app_context():
        account = db.session.scalar(select(Account.id).where(Account.number == "100112"))
    accountant.post(f"/staff/accounts/bindings/{requested}/approve", data={"account": account})

    deliver()
    message = mailbox.last("ivan@example.org")
    assert "Лицевой счет привязан к личному кабинету" in message["Subject"]
    body = text_of(message)
    assert f"по адресу {ADDRESS}, кв. 12" in body and "№ 100112" in body
    assert links_in(message) == ["http://localhost/cabinet/"]
    assert "№ 100112" in html_of(message)


def test_the_tenant_is_emailed_the_refusal_with_its_reason(app, accountant, requested, mailbox, deliver):
    reason = "Вы не <собственник> кв. 12"
    accountant.post(f"/staff/accounts/bindings/{requested}/reject", data={"reason": reason})

    deliver()
    message = mailbox.last("ivan@example.org")
    assert "Заявка на привязку лицевого счета отклонена" in message["Subject"]
    assert reason in text_of(message) and f"{ADDRESS}, кв. 12" in text_of(message)
    assert "Вы не &lt;собственник&gt; кв. 12" in html_of(message)


def test_a_blocked_tenant_is_not_emailed_and_a_refused_form_emails_nobody(app, accountant, requested, mailbox, deliver):
    accountant.post(f"/staff/accounts/bindings/{requested}/reject", data={"reason": " "})  # no reason: nothing decided
    with app.app_context():
        db.session.get(User, db.session.get(BindingRequest, requested).user_id).blocked_at = utcnow()
        db.session.commit()
    accountant.post(f"/staff/accounts/bindings/{requested}/reject", data={"reason": "Нет"})

    deliver()
    assert mailbox.to("ivan@example.org") == []
    with app.app_context():
        assert db.session.get(BindingRequest, requested).state == "rejected"


def test_an_approval_is_checked_again_when_it_is_given(app, requested):
    """Two accountants open the same request; one rejects it while the other approves: the approval binds nothing."""
    from kabinet.staff.accounts import bindings

    make_staff(app, "accountant", login="first")
    make_staff(app, "accountant", login="second")
    with app.app_context():
        first = db.session.scalar(select(User).where(User.login == "first"))
        second = db.session.scalar(select(User).where(User.login == "second"))
        opened_by_both = db.session.get(BindingRequest, requested)
        account = db.session.scalar(select(Account).where(Account.number == "100112"))
        with app.app_context():  # the other accountant, in a request of their own
            assert bindings.reject(db.session.get(BindingRequest, requested), "Не собственник", second, utcnow())
        assert opened_by_both.state == "pending"  # what the first one still sees
        assert not bindings.approve(opened_by_both, account, first, utcnow())
        assert db.session.scalar(select(AccountBinding)) is None
        assert db.session.get(BindingRequest, requested).state == "rejected"


def test_approve_only_an_account_of_that_house(app, accountant, requested):
    other = make_account(app, "500101", premises="12", address="г. Иркутск, ул. Мира, д. 1")
    answer = accountant.post(f"/staff/accounts/bindings/{requested}/approve", data={"account": other})
    assert answer.status_code == 200 and 'id="account-errors"' in page(answer)
    with app.app_context():
        assert db.session.scalar(select(AccountBinding)) is None


def test_reject_with_a_reason_the_tenant_reads(app, client, accountant, requested):
    url = f"/staff/accounts/bindings/{requested}/reject"
    assert "Укажите причину отказа" in page(accountant.post(url, data={"reason": " "}))
    answer = accountant.post(url, data={"reason": "Вы не <собственник> кв. 12"}, follow_redirects=True)
    assert shown_once(answer, messages.STAFF_BINDING_REJECTED)
    with app.app_context():
        request = db.session.get(BindingRequest, requested)
        assert (request.state, request.reason) == ("rejected", "Вы не <собственник> кв. 12")
    assert len(audited(app, "binding.reject")) == 1
    login(client, "ivan")
    home = page(client.get("/cabinet/"))
    assert 'data-test="rejected"' in home and "Вы не &lt;собственник&gt; кв. 12" in home


def test_an_old_rejection_is_no_longer_shown(app, client, requested):
    with app.app_context():
        request = db.session.get(BindingRequest, requested)
        request.state, request.reason, request.decided_at = "rejected", "Нет", utcnow() - timedelta(days=31)
        db.session.commit()
    login(client, "ivan")
    assert 'data-test="rejected"' not in page(client.get("/cabinet/"))


def test_the_account_page_takes_the_same_queries_however_long_the_history(app, accountant, user):
    account = make_account(app, user_id=user)
    for n in range(4):
        make_meter(app, account, serial=f"CW-{n}", readings=[(date(2026, m, 20), m) for m in range(1, 10)])
    add_history(app, account, date(2023, 1, 1), 40)
    with queries(app) as counted:
        assert accountant.get(f"/staff/accounts/{account}").status_code == 200
    assert counted.count <= 16


def test_a_search_past_its_length_is_explained_in_the_forms_words(accountant):
    answer = page(accountant.get("/staff/accounts/", query_string={"q": "я" * 101}))
    assert "Не длиннее 100 символов." in answer
