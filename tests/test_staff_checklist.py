"""The first-run checklist on the staff dashboard: each step done by its own work, linked to where it is done, shown
to those who can do it, gone once everything is done."""

import re

import pyotp
import pytest

from kabinet.accounts import codewords
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import Account, Building, User
from kabinet.organizations import default_organization
from kabinet.staff.checklist import checklist
from tests.conftest import logged_in, page, queries
from tests.factories import REQUISITES, make_account, make_staff

STEPS = ["requisites", "houses", "accounts", "code_words", "staff", "mail", "second_factor"]


def steps(response) -> dict[str, str]:
    """The checklist's steps as shown: key -> "yes" or "no" (done)."""
    return dict(re.findall(r'data-test="step-(\w+)" data-done="(\w+)"', page(response)))


def step(response, key: str) -> str:
    """The step's text as read: "✓ Сделано: Дома", or "○ Не сделано: Дома Добавьте дома ..."."""
    found = re.search(rf'data-test="step-{key}"[^>]*>(.*?)</li>', page(response), re.S)
    assert found, f"no step {key}"
    return " ".join(re.sub(r"<[^>]+>", " ", found[1]).split())


@pytest.fixture
def empty(make_app):
    """A new installation: only its admin, no requisites, houses, accounts or mail server."""
    app = make_app(MAIL_SERVER=None)
    make_staff(app, "admin")
    return app


def test_a_new_installation_shows_every_step_to_do_and_where(empty):
    response = logged_in(empty, "admin").get("/staff/")
    assert steps(response) == dict.fromkeys(STEPS, "no")
    assert "Сделано 0 из 7" in page(response)
    assert "Не заполнено: Расчетный счет, Банк, БИК, Корреспондентский счет, ИНН." in step(response, "requisites")
    assert "Письма не отправляются, а складываются в папку outbox" in step(response, "mail")
    assert "alert-warning" in page(response).split('data-test="step-mail"')[1].split("</li>")[0]
    links = dict(re.findall(r'data-test="step-(\w+)".*?(?:href="([^"]*)"|</li>)', page(response), re.S))
    assert links == {
        "requisites": "/staff/organization/",
        "houses": "/staff/organization/",
        "accounts": "/staff/imports/",
        "code_words": "/staff/accounts/codewords",
        "staff": "/staff/team/",
        "mail": "",  # set on the server, not in the browser
        "second_factor": "/staff/team/",
    }


@pytest.mark.parametrize(("attribute", "label"), [("name", "Наименование"), ("settlement_account", "Расчетный счет"),
                                                  ("bank_name", "Банк"), ("bic", "БИК"),
                                                  ("correspondent_account", "Корреспондентский счет"),
                                                  ("inn", "ИНН")])  # fmt: skip
def test_the_dashboard_lists_the_requisite_a_receipt_misses(empty, attribute, label):
    with empty.app_context():
        organization = default_organization()
        for name, value in {**REQUISITES, attribute: ""}.items():
            setattr(organization, name, value)
        db.session.commit()
    response = logged_in(empty, "admin").get("/staff/")
    assert steps(response)["requisites"] == "no"
    assert f"Не заполнено: {label}. Пока их нет, в квитанциях нет QR-кода для оплаты." in step(response, "requisites")


def fill_requisites(app):
    with app.app_context():
        organization = default_organization()
        for name, value in REQUISITES.items():
            setattr(organization, name, value)
        db.session.commit()


def add_house(app):
    with app.app_context():
        db.session.add(Building(organization_id=default_organization().id, address="г. Иркутск, ул. Ленина, д. 5"))
        db.session.commit()


def issue_code_words(app):
    with app.app_context():
        for account in db.session.scalars(db.select(Account)):
            codewords.issue(account, codewords.generate(), utcnow())
        db.session.commit()


def invite_staff(app):
    make_staff(app, "accountant")


def admin_second_factor(app):
    with app.app_context():
        admin = db.session.scalar(db.select(User).where(User.login == "admin"))
        admin.totp_secret, admin.totp_enabled_at = pyotp.random_base32(), utcnow()
        db.session.commit()


def require_second_factor(app):
    with app.app_context():
        default_organization().staff_totp_required = True
        db.session.commit()


@pytest.mark.parametrize(
    ("key", "work"),
    [("requisites", fill_requisites), ("houses", add_house), ("accounts", lambda app: make_account(app)),
     ("staff", invite_staff), ("second_factor", admin_second_factor)],
)  # fmt: skip
def test_each_step_is_done_by_its_work(empty, key, work):
    admin = logged_in(empty, "admin")
    assert steps(admin.get("/staff/"))[key] == "no"
    work(empty)
    response = admin.get("/staff/")
    assert steps(response)[key] == "yes"
    assert step(response, key).startswith("✓ Сделано:")


def test_a_second_factor_required_of_all_staff_is_done_whoever_lacks_it(empty):
    make_staff(empty, "admin", login="deputy")  # a second admin without a second factor
    admin_second_factor(empty)
    with empty.test_request_context():
        organization = default_organization()
        assert not next(s for s in checklist(organization, {}, "admin") if s.key == "second_factor").done
        organization.staff_totp_required = True
        assert next(s for s in checklist(organization, {}, "admin") if s.key == "second_factor").done


def test_code_words_are_done_when_every_open_account_has_one(empty):
    admin = logged_in(empty, "admin")
    first = make_account(empty, "100101")
    make_account(empty, "100102", premises="2")
    make_account(empty, "100103", premises="3", is_closed=True)  # a closed account needs none
    with empty.app_context():
        codewords.issue(db.session.get(Account, first), "KLEN-4521", utcnow())
        db.session.commit()
    response = admin.get("/staff/")
    assert steps(response)["code_words"] == "no"
    assert "Выдано 1 из 2 (50 %)" in step(response, "code_words")
    issue_code_words(empty)
    assert steps(admin.get("/staff/"))["code_words"] == "yes"


def test_the_mail_step_is_done_with_a_mail_server(app):
    make_staff(app, "admin")  # the test app sends to the SMTP fixture
    assert steps(logged_in(app, "admin").get("/staff/"))["mail"] == "yes"


def test_the_checklist_is_gone_once_everything_is_done(app):
    make_staff(app, "admin")
    make_account(app)  # with the requisites and its house
    issue_code_words(app)
    invite_staff(app)
    admin = logged_in(app, "admin")
    assert steps(admin.get("/staff/"))["second_factor"] == "no"
    require_second_factor(app)
    admin_second_factor(app)
    response = admin.get("/staff/")
    assert response.status_code == 200 and 'data-test="checklist"' not in page(response)


def test_the_accountant_sees_only_the_accounts_and_code_words_and_the_dispatcher_nothing(empty):
    make_staff(empty, "accountant")
    make_staff(empty, "dispatcher")
    assert steps(logged_in(empty, "accountant").get("/staff/")) == {"accounts": "no", "code_words": "no"}
    make_account(empty)
    issue_code_words(empty)
    # Their steps are done: the admin's (the mail server here) are not theirs to see.
    assert 'data-test="checklist"' not in page(logged_in(empty, "accountant").get("/staff/"))
    assert 'data-test="checklist"' not in page(logged_in(empty, "dispatcher").get("/staff/"))


def test_the_checklist_costs_three_queries(empty):
    admin = logged_in(empty, "admin")
    admin.get("/staff/")
    with queries(empty) as counted:
        assert admin.get("/staff/").status_code == 200
    assert counted.count <= 15  # the dashboard's 12 (ratings included), and three for the checklist
