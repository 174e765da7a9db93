"""Registering and logging in through an OpenID Connect provider in a real browser, against the local provider."""

import pytest
from playwright.sync_api import expect

from kabinet.extensions import db
from kabinet.models import SocialIdentity, User
from tests.e2e.conftest import field
from tests.oidc_provider import running_provider

pytestmark = pytest.mark.e2e


@pytest.fixture
def idp():
    with running_provider() as provider:
        yield provider


@pytest.fixture
def make_app(make_app, idp):
    """Every app of these tests, the live server's included, knows the local provider as «Тест ID»."""
    social = {"local": {"client_id": idp.client_id, "client_secret": idp.client_secret,
                        "discovery_url": idp.discovery_url, "title": "Тест ID"}}  # fmt: skip
    return lambda **overrides: make_app(SOCIAL_PROVIDERS=social, **overrides)


def test_register_through_the_provider_then_log_in_again(page, live_server, idp, screenshot, browser_problems):
    """A new person presses «Тест ID» under the registration form, signs in at the provider (which vouches for the
    e-mail), gives a phone and accepts the agreement, and lands in the cabinet without a password; after logging out,
    the same button under the login form logs them straight in. No browser errors (CSP included) along the way."""
    idp.login_as(sub="u-77", email="maria.ivanova@example.org", email_verified=True,
                 given_name="Мария", family_name="Иванова")  # fmt: skip
    page.goto("/registration/")
    expect(page.get_by_role("heading", name="Или зарегистрируйтесь через соц. сеть")).to_be_visible()
    screenshot(page, "registration-with-buttons")
    page.get_by_role("button", name="Тест ID").click()

    expect(page).to_have_url(f"{live_server.url}/social/register")
    expect(field(page, "Логин")).to_have_value("maria.ivanova")
    expect(field(page, "Имя")).to_have_value("Мария")
    expect(field(page, "Фамилия")).to_have_value("Иванова")
    expect(field(page, "E-mail")).to_have_value("maria.ivanova@example.org")
    field(page, "Телефон").fill("+7 912 345-67-89")
    page.get_by_role("checkbox", name="Я согласен с условиями соглашения").check()
    screenshot(page, "social-registration-filled")
    page.get_by_role("button", name="Зарегистрироваться").click()

    expect(page).to_have_url(f"{live_server.url}/cabinet/")
    expect(page.get_by_text("Регистрация завершена. Добро пожаловать в личный кабинет!")).to_be_visible()
    expect(page.get_by_role("heading", name="Здравствуйте, Мария!")).to_be_visible()
    screenshot(page, "cabinet-after-registration")

    page.goto("/profile/")
    expect(page.get_by_role("heading", name="Вход через соцсети")).to_be_visible()
    expect(page.locator('[data-test="social-identity"]')).to_contain_text("Тест ID — maria.ivanova@example.org")
    screenshot(page, "profile-linked-identity")

    page.get_by_role("button", name="Выйти").click()
    expect(page).to_have_url(f"{live_server.url}/auth/login")
    expect(page.get_by_role("heading", name="Войти через профиль в соцсетях")).to_be_visible()
    page.get_by_role("button", name="Тест ID").click()
    expect(page).to_have_url(f"{live_server.url}/cabinet/")
    expect(page.get_by_role("heading", name="Здравствуйте, Мария!")).to_be_visible()
    screenshot(page, "cabinet-after-social-login")

    with live_server.app.app_context():
        user = db.session.scalar(db.select(User).filter_by(login="maria.ivanova"))
        assert user.is_confirmed and user.phone == "+79123456789"
        assert db.session.scalar(db.select(SocialIdentity.user_id).filter_by(subject="u-77")) == user.id
    assert browser_problems == []
