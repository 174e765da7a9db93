"""The profile: name and phones, password change, e-mail change confirmed by the new address."""

from datetime import timedelta

from sqlalchemy import select, update

from kabinet import messages
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import User
from tests.conftest import PASSWORD, links_in, logged_in, make_user, page, shows, text_of

NEW_PASSWORD = "Sinyaya-Dver-Kvartiry-7"


def stored(app, login="ivan"):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.login == login))
        db.session.expunge(user)
        return user


def test_profile_needs_a_login(client):
    assert client.get("/profile/").status_code == 302
    assert client.post("/profile/password").status_code == 302


def test_edit_name_and_phones(client, app, auth, user):
    auth.login()
    response = client.post(
        "/profile/",
        data={
            "first_name": "Пётр",
            "middle_name": "",
            "last_name": "Сидоров",
            "phone": "+7 701 123 45 67",
            "phone_extra": "",
        },
        follow_redirects=True,
    )
    assert shows(response, messages.PROFILE_SAVED)
    assert "Пётр Сидоров" in page(response)
    saved = stored(app)
    assert (saved.first_name, saved.phone) == ("Пётр", "+77011234567")


def test_bad_details_are_explained_and_kept(client, app, auth, user):
    auth.login()
    response = client.post("/profile/", data={"first_name": "Пётр", "last_name": "", "phone": "123"})
    html = page(response)
    assert "Заполните это поле." in html and "Неверный номер телефона" in html
    assert 'value="Пётр"' in html and 'value="123"' in html
    assert stored(app).first_name == "Иван"


def test_change_password_needs_the_current_one(client, app, auth, user):
    auth.login()
    response = client.post(
        "/profile/password",
        data={"current_password": "not-mine", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert "Текущий пароль введён неверно." in page(response)
    assert stored(app).check_password(PASSWORD)


def test_change_password_logs_out_other_sessions_and_tells_by_email(app, user, mailbox, deliver):
    other = app.test_client()
    other.post("/auth/login", data={"login": "ivan", "password": PASSWORD, "remember": "y"})
    client = app.test_client()
    client.post("/auth/login", data={"login": "ivan", "password": PASSWORD})

    response = client.post(
        "/profile/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
        follow_redirects=True,
    )
    assert shows(response, messages.PASSWORD_CHANGED)
    assert client.get("/cabinet/").status_code == 200
    assert other.get("/cabinet/").status_code == 302
    assert stored(app).check_password(NEW_PASSWORD)
    deliver()
    assert mailbox.last("ivan@example.org")["Subject"] == "УК «Наш дом»: Пароль изменён"


def test_a_remembered_login_must_type_the_password_to_change_email(app, user):
    client = app.test_client()
    client.post("/auth/login", data={"login": "ivan", "password": PASSWORD, "remember": "y"})
    client.delete_cookie("session")  # back next week: logged in by the remember cookie alone
    response = client.post("/profile/email", data={"email": "new@example.org", "current_password": ""})
    assert "Введите текущий пароль." in page(response)
    assert stored(app).new_email is None


def test_change_email_takes_effect_only_after_the_new_address_confirms(client, app, auth, user, mailbox, deliver):
    auth.login()
    response = client.post(
        "/profile/email", data={"email": "New@Example.org", "current_password": PASSWORD}, follow_redirects=True
    )
    assert shows(response, messages.EMAIL_CHANGE_SENT)
    assert stored(app).email == "ivan@example.org"
    deliver()
    message = mailbox.last("New@example.org")
    assert message["Subject"] == "УК «Наш дом»: Подтверждение нового e-mail"

    link = links_in(message)[0].removeprefix("http://localhost")
    assert shows(client.get(link, follow_redirects=True), messages.EMAIL_CHANGED)
    assert stored(app).email == "New@example.org"
    deliver()
    old = mailbox.last("ivan@example.org")
    assert old["Subject"] == "УК «Наш дом»: Адрес электронной почты изменён"
    assert "New@example.org" in text_of(old)

    # the link works once
    assert shows(client.get(link, follow_redirects=True), messages.EMAIL_LINK_INVALID)


def test_an_email_change_never_confirmed_is_forgotten_by_the_worker_once_its_link_has_expired(client, app, auth, user):
    make_user(app, login="petr", email="petr@example.org")
    for login, address in (("ivan", "ivan-new@example.org"), ("petr", "petr-new@example.org")):
        logged_in(app, login).post("/profile/email", data={"email": address, "current_password": PASSWORD})
    auth.login()
    assert "Ожидает подтверждения: ivan-new@example.org" in page(client.get("/profile/"))
    with app.app_context():  # ivan asked just over the link's life ago; petr a moment ago
        expired = utcnow() - timedelta(hours=app.config["CONFIRM_MAX_AGE_HOURS"], minutes=1)
        db.session.execute(update(User).where(User.login == "ivan").values(new_email_requested_at=expired))
        db.session.commit()
    assert app.test_cli_runner().invoke(args=["worker", "--once"]).exit_code == 0
    assert "Ожидает подтверждения" not in page(client.get("/profile/"))
    assert (stored(app).new_email, stored(app, "petr").new_email) == (None, "petr-new@example.org")


def test_change_email_to_a_taken_address_is_refused(client, app, auth, user):
    make_user(app, login="petr", email="petr@example.org")
    auth.login()
    response = client.post("/profile/email", data={"email": "PETR@example.org", "current_password": PASSWORD})
    assert "уже зарегистрирован" in page(response)
    assert 'value="PETR@example.org"' in page(response)
