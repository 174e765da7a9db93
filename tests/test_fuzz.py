"""Random and oversized input to every form: never a 500, always the form back with its messages."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PASSWORD, page

FORMS = {
    "/auth/login": ["login", "password", "remember", "next"],
    "/registration/": [
        "login",
        "password",
        "password_confirm",
        "first_name",
        "middle_name",
        "last_name",
        "email",
        "phone",
        "phone_extra",
        "agree",
    ],
    "/registration/confirm": ["login", "code"],
    "/registration/resend": ["login"],
    "/recovery/": ["login"],
    "/recovery/change": ["login", "control", "password", "password_confirm"],
    "/auth/password-check": ["password", "login", "email", "first_name", "last_name"],
    "/language": ["lang", "next"],
}
LOGGED_IN_FORMS = {
    "/profile/": ["first_name", "middle_name", "last_name", "phone", "phone_extra"],
    "/profile/password": ["current_password", "password", "password_confirm"],
    "/profile/email": ["email", "current_password"],
}

# Text a person or a bot might send: any Unicode (control characters and lone surrogates excluded by HTTP itself),
# sometimes far longer than any field allows.
values = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=3000),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "ivan",
            "ivan@example.org",
            "+79123456789",
            "y",
            "\x00",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "%(n)s",
            "{{7*7}}",
            PASSWORD,
        ]
    ),
)


def forms(fields):
    return st.fixed_dictionaries({}, optional={name: values for name in [*fields, "extra_field"]})


def check(response):
    assert response.status_code in {200, 302, 400}, response.status_code
    if response.status_code == 200 and response.mimetype == "text/html":
        html = page(response)
        assert "<form" in html
        assert "<script>alert(1)</script>" not in html  # what was typed is escaped


FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("url", FORMS)
@FUZZ
@given(data=st.data())
def test_anonymous_forms_survive_anything(client, url, data):
    check(client.post(url, data=data.draw(forms(FORMS[url]))))


@pytest.mark.parametrize("url", LOGGED_IN_FORMS)
@FUZZ
@given(data=st.data())
def test_profile_forms_survive_anything(client, auth, user, url, data):
    if client.get("/cabinet/").status_code != 200:
        auth.login()
    check(client.post(url, data=data.draw(forms(LOGGED_IN_FORMS[url]))))


@pytest.mark.parametrize("url", [*FORMS, *LOGGED_IN_FORMS])
def test_an_empty_post_gets_the_form_back_with_messages(client, auth, user, url):
    auth.login() if url in LOGGED_IN_FORMS else None
    response = client.post(url, data={})
    assert response.status_code in {200, 302, 400}
    if url not in {"/auth/password-check", "/language"}:
        assert response.status_code == 200 and "invalid-feedback" in page(response)
