"""The four-step wizard that binds personal accounts, the first-login page, unbinding, and who sees what."""

import base64
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kabinet import messages
from kabinet.extensions import db
from kabinet.imports import services as imports
from kabinet.models import AccountBinding, BindingRequest
from kabinet.organizations import default_organization
from tests.conftest import audited, logged_in, make_user, page, shows, stored_user
from tests.factories import make_staff

SAMPLES = Path(__file__).resolve().parents[1] / "docs" / "samples"
CODE_WORD = "ROMASHKA-17"  # opens 100101 (apartment 1) and 100103 (parking П-3) of Иванов И. И.


@pytest.fixture
def accounts(app):
    with app.app_context():
        imports.run("accounts", SAMPLES / "accounts.csv", default_organization())


@pytest.fixture
def tenant(client, auth, user, accounts):
    auth.login()
    return client


def account_id(app, number):
    from kabinet.models import Account

    with app.app_context():
        return db.session.scalar(select(Account.id).where(Account.number == number))


def bound_numbers(app, login="ivan"):
    from kabinet.models import Account, User

    with app.app_context():
        query = select(Account.number).join(AccountBinding).join(User).where(User.login == login)
        return sorted(db.session.scalars(query))


def by_code_word(client, number="100101", code_word=CODE_WORD):
    client.post("/accounts/bind", data={"way": "number"})
    return client.post("/accounts/bind/number", data={"number": number, "code_word": code_word})


def test_first_login_lands_on_the_address_form_that_also_starts_the_wizard(tenant):
    html = page(tenant.get("/cabinet/"))
    assert "Мой адрес" in html and "Создать" in html
    assert 'href="/accounts/bind"' in html


def test_bind_by_code_word_in_four_steps(tenant, app):
    step1 = page(tenant.get("/accounts/bind"))
    assert "Шаг 1" in step1 and "По лицевому счету" in step1 and "По адресу" in step1

    step2 = tenant.post("/accounts/bind", data={"way": "number"})
    assert step2.location == "/accounts/bind/number"
    assert "Кодовое слово" in page(tenant.get(step2.location))

    step3 = tenant.post("/accounts/bind/number", data={"number": "100101", "code_word": "romashka 17"})
    assert step3.location == "/accounts/bind/choose"
    choose = page(tenant.get(step3.location))
    # the code word opens the owner's apartment and parking space, not the neighbour's account
    assert "№ 100101" in choose and "№ 100103" in choose and "100102" not in choose
    assert "Собственник" in choose and "Житель" in choose

    ids = [account_id(app, "100101"), account_id(app, "100103")]
    step4 = tenant.post("/accounts/bind/choose", data={"accounts": ids, "role": "owner"})
    assert step4.location == "/accounts/bind/finish"
    review = page(tenant.get(step4.location))
    assert "г. Иркутск, ул. Ленина, д. 5, кв. П-3" in review

    done = tenant.post("/accounts/bind/finish", follow_redirects=True)
    assert shows(done, messages.ACCOUNTS_BOUND)
    assert page(done).count('data-test="account"') == 2
    assert bound_numbers(app) == ["100101", "100103"]


def test_choose_only_some_of_the_accounts_and_be_a_resident(tenant, app):
    by_code_word(tenant)
    tenant.post("/accounts/bind/choose", data={"accounts": [account_id(app, "100103")], "role": "resident"})
    tenant.post("/accounts/bind/finish")
    assert bound_numbers(app) == ["100103"]
    with app.app_context():
        assert db.session.scalar(select(AccountBinding.role)) == "resident"


def test_a_wrong_code_word_says_so_without_telling_which_part_and_is_logged(tenant, app):
    for number, code_word in (("100101", "WRONG"), ("999999", CODE_WORD), ("100102", CODE_WORD)):
        response = by_code_word(tenant, number, code_word)
        assert response.status_code == 200
        assert shows(response, messages.CODE_WORD_WRONG)
        assert f'value="{number}"' in page(response)  # what was typed stays
    assert [event.target for event in audited(app, "code_word_failed")] == [
        "account_number:100101",
        "account_number:999999",
        "account_number:100102",
    ]
    assert bound_numbers(app) == []


@pytest.fixture
def limited(make_app):
    """An app whose secret limiter is on: three failures per subject and address."""
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SECRET="3/hour", RATELIMIT_CODE="1000/minute")
    with app.app_context():
        imports.run("accounts", SAMPLES / "accounts.csv", default_organization())
    return app


def test_code_word_attempts_are_limited_per_user_whatever_account_they_name(limited):
    make_user(limited)
    client = logged_in(limited, "ivan")
    for number in ("100102", "100104", "100105"):  # one guess each at three accounts
        by_code_word(client, number, "WRONG")
    blocked = by_code_word(client, "100101", CODE_WORD)  # even the right pair
    assert blocked.status_code == 429 and "Слишком много попыток" in page(blocked)


def test_code_word_attempts_are_limited_per_account_but_strangers_cannot_lock_the_owner_out(limited):
    for n in range(3):  # three tenants guess one account from one address
        make_user(limited, login=f"guess{n}", email=f"guess{n}@example.org")
        by_code_word(logged_in(limited, f"guess{n}"), "100101", f"WRONG{n}")
    make_user(limited, login="guess3", email="guess3@example.org")
    assert by_code_word(logged_in(limited, "guess3"), "100101", CODE_WORD).status_code == 429
    make_user(limited, login="owner", email="owner@example.org")
    owner = logged_in(limited, "owner")
    owner.post("/accounts/bind", data={"way": "number"})
    answer = owner.post("/accounts/bind/number", data={"number": "100101", "code_word": CODE_WORD},
                        environ_base={"REMOTE_ADDR": "203.0.113.20"})  # fmt: skip
    assert answer.location == "/accounts/bind/choose"


def test_back_keeps_what_was_typed(tenant):
    by_code_word(tenant)
    step1 = page(tenant.get("/accounts/bind"))
    assert 'value="number" checked' in step1
    step2 = page(tenant.get("/accounts/bind/number"))
    assert 'value="100101"' in step2
    assert CODE_WORD not in step2, "the code word is a secret: typed again, never echoed back"


def test_a_step_reached_out_of_order_goes_back_to_the_first_not_done(tenant):
    assert tenant.get("/accounts/bind/choose").location == "/accounts/bind"
    assert tenant.post("/accounts/bind/finish").location == "/accounts/bind"
    tenant.post("/accounts/bind", data={"way": "number"})
    assert tenant.get("/accounts/bind/finish").location == "/accounts/bind/number"


def test_a_double_click_or_a_refresh_binds_once(tenant, app):
    by_code_word(tenant)
    tenant.post("/accounts/bind/choose", data={"accounts": [account_id(app, "100101")], "role": "owner"})
    # the browser sends the same cookie twice: both requests carry the draft
    cookie = tenant.get_cookie("session").value
    first = tenant.post("/accounts/bind/finish")
    tenant.set_cookie("session", cookie)
    second = tenant.post("/accounts/bind/finish")
    assert first.status_code == second.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(AccountBinding.id))) == 1


def at_the_last_step(tenant, app, number="100101"):
    by_code_word(tenant)
    tenant.post("/accounts/bind/choose", data={"accounts": [account_id(app, number)], "role": "owner"})
    assert "Завершить" in page(tenant.get("/accounts/bind/finish"))


def new_code_word(app, number, code_word):
    from kabinet.accounts import codewords
    from kabinet.clock import utcnow
    from kabinet.models import Account

    with app.app_context():
        codewords.issue(db.session.scalar(select(Account).where(Account.number == number)), code_word, utcnow())
        db.session.commit()


def test_a_saved_cookie_replayed_after_an_unbind_and_a_new_code_word_binds_nothing(tenant, app):
    """The draft is on the server and spent by the finish: a copy of the cookie proves nothing afterwards."""
    at_the_last_step(tenant, app)
    saved = tenant.get_cookie("session").value
    tenant.post("/accounts/bind/finish")
    assert bound_numbers(app) == ["100101"]
    make_staff(app, "accountant")
    staff = logged_in(app, "accountant")
    tenant_id = stored_user(app).id
    assert staff.post(f"/staff/tenants/{tenant_id}/accounts/{account_id(app, '100101')}/unbind").status_code == 302
    assert bound_numbers(app) == []
    new_code_word(app, "100101", "NOVOE-SLOVO-1")

    tenant.set_cookie("session", saved)
    replayed = tenant.post("/accounts/bind/finish")
    assert replayed.location == "/cabinet/"
    assert bound_numbers(app) == []


def test_a_code_word_replaced_before_the_finish_binds_nothing(tenant, app):
    at_the_last_step(tenant, app)
    new_code_word(app, "100101", "NOVOE-SLOVO-1")
    answer = tenant.post("/accounts/bind/finish", follow_redirects=True)
    assert shows(answer, messages.CODE_WORD_CHANGED)
    assert "Кодовое слово" in page(answer)  # back at step 2, to type the new one
    assert bound_numbers(app) == []
    assert by_code_word(tenant, "100101", "novoe slovo 1").location == "/accounts/bind/choose"


def session_payload(client) -> bytes:
    """What the signed session cookie says (signed, not encrypted: anyone holding it can read it)."""
    cookie = client.get_cookie("session").value
    data = base64.urlsafe_b64decode(cookie.lstrip(".").split(".")[0] + "==")
    return zlib.decompress(data) if cookie.startswith(".") else data


def test_the_draft_lives_on_the_server_and_the_cookie_holds_only_its_number(tenant, app):
    by_code_word(tenant)
    tenant.post("/accounts/bind/choose", data={"accounts": [account_id(app, "100101")], "role": "owner"})
    payload = session_payload(tenant)
    assert b"binding_draft" in payload
    assert str(account_id(app, "100101")).encode() + b"," not in payload and b"owner" not in payload


def test_a_step_of_the_other_way_is_not_taken(tenant, app):
    """A draft begun by address cannot pick up a code word's step 2, and the reverse: each way keeps to its steps."""
    tenant.post("/accounts/bind", data={"way": "address"})
    assert tenant.get("/accounts/bind/number").location == "/accounts/bind/address"
    answer = tenant.post("/accounts/bind/number", data={"number": "100101", "code_word": CODE_WORD})
    assert answer.location == "/accounts/bind/address"
    assert tenant.get("/accounts/bind/choose").location == "/accounts/bind/address"
    by_code_word(tenant)
    assert tenant.get("/accounts/bind/address").location == "/accounts/bind/number"
    tenant.post("/accounts/bind/choose", data={"accounts": [account_id(app, "100101")], "role": "owner"})
    assert tenant.post("/accounts/bind/finish").status_code == 302
    assert bound_numbers(app) == ["100101"]


def test_an_account_already_bound_says_so(tenant, app):
    by_code_word(tenant)
    tenant.post("/accounts/bind/choose", data={"accounts": [account_id(app, "100101")], "role": "owner"})
    tenant.post("/accounts/bind/finish")
    assert by_code_word(tenant).location == "/accounts/bind/choose"
    choose = page(tenant.get("/accounts/bind/choose"))
    assert "№ 100101 — уже привязан к вашему профилю" in choose
    tenant.post("/accounts/bind/choose", data={"accounts": [account_id(app, "100103")], "role": "owner"})
    tenant.post("/accounts/bind/finish")
    assert shows(by_code_word(tenant), messages.ALREADY_BOUND)
    # a wizard that opened another account first, then is given the bound pair: it says so, and offers nothing stale
    new_code_word(app, "100201", "SIDOROV-12")
    assert by_code_word(tenant, "100201", "SIDOROV-12").location == "/accounts/bind/choose"
    again = tenant.post("/accounts/bind/number", data={"number": "100101", "code_word": CODE_WORD})
    assert shows(again, messages.ALREADY_BOUND)


def test_the_choice_cannot_include_an_account_the_code_word_did_not_open(tenant, app):
    by_code_word(tenant)
    forged = tenant.post("/accounts/bind/choose", data={"accounts": [account_id(app, "100102")], "role": "owner"})
    assert forged.status_code == 200 and "Выберите лицевые счета из предложенных." in page(forged)
    assert bound_numbers(app) == []


def test_bind_by_address_goes_to_staff_and_shows_pending(tenant, app):
    tenant.post("/accounts/bind", data={"way": "address"})
    form = page(tenant.get("/accounts/bind/address"))
    assert "г. Иркутск, ул. Карла Маркса, д. 12" in form
    with app.app_context():
        from kabinet.models import Building

        building = db.session.scalar(select(Building.id).where(Building.address.like("%Маркса%")))
    assert tenant.post("/accounts/bind/address", data={"building": building, "premises": "12А"}).status_code == 302
    assert tenant.post("/accounts/bind/choose", data={"role": "owner"}).status_code == 302
    assert "Отправить заявку" in page(tenant.get("/accounts/bind/finish"))
    done = tenant.post("/accounts/bind/finish", follow_redirects=True)
    assert shows(done, messages.BINDING_REQUESTED)
    assert "на рассмотрении" in page(done) and "12А" in page(done)
    with app.app_context():
        assert db.session.scalar(select(BindingRequest.state)) == "pending"
    assert bound_numbers(app) == []


def test_the_profile_lists_accounts_and_unbinds_one(tenant, app):
    by_code_word(tenant)
    tenant.post("/accounts/bind/choose", data={"accounts": [account_id(app, "100101")], "role": "owner"})
    tenant.post("/accounts/bind/finish")
    profile = page(tenant.get("/profile/"))
    assert "№ 100101 — г. Иркутск, ул. Ленина, д. 5, кв. 1" in profile
    response = tenant.post(f"/accounts/{account_id(app, '100101')}/unbind", follow_redirects=True)
    assert shows(response, messages.ACCOUNT_UNBOUND)
    assert bound_numbers(app) == []


def test_another_tenants_account_cannot_be_reached_by_its_id(app, accounts):
    make_user(app, login="petr", email="petr@example.org")
    with app.app_context():
        from kabinet.models import User

        petr = db.session.scalar(select(User.id).where(User.login == "petr"))
        db.session.add(
            AccountBinding(user_id=petr, account_id=account_id(app, "100102"), role="owner", method="code_word")
        )
        db.session.commit()
    ivan = app.test_client()
    make_user(app)
    ivan.post("/auth/login", data={"login": "ivan", "password": "Zelenaya-Lampa-42"})
    assert ivan.post(f"/accounts/{account_id(app, '100102')}/unbind").status_code == 404
    assert "100102" not in page(ivan.get("/cabinet/")) and "100102" not in page(ivan.get("/profile/"))
    assert bound_numbers(app, "petr") == ["100102"]


def test_the_wizard_needs_a_login(client):
    for url in ("/accounts/bind", "/accounts/bind/number", "/accounts/bind/choose", "/accounts/bind/finish"):
        assert client.get(url).status_code == 302
