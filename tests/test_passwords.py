"""The password rules as a plain function, without a request."""

import pytest

from kabinet import passwords


@pytest.fixture(autouse=True)
def context(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Ab1!xyz", "Пароль слишком короткий (мин. длина: 8)."),
        ("qwerty123", "Пароль слабый, его легко взломать: это очень распространённый пароль."),
        ("password", "Пароль слабый, его легко взломать: это один из 10 самых распространённых паролей."),
        ("Petrov-Zelenaya-Lampa", "Пароль не должен содержать логин, e-mail или имя."),
        ("", "Введите пароль."),
    ],
)
def test_each_problem_is_explained_in_russian(password, problem):
    verdict = passwords.check(password, login="ivan", email="ivan@example.org", names=["Petrov"])
    assert not verdict.ok
    assert problem in verdict.problems


@pytest.mark.parametrize("password", ["Zelenaya-Lampa-42", "korova pasetsya na lugu", "xK4p-9Tmq-Wz3r-Hh7d", "Ж" * 200])
def test_strong_passwords_pass_without_capital_letter_rules(password):
    verdict = passwords.check(password, login="ivan", email="ivan@example.org")
    assert verdict.ok and verdict.score >= passwords.MIN_SCORE


def test_the_minimum_length_is_configurable(app):
    app.config["PASSWORD_MIN_LENGTH"] = 20
    assert "Пароль слишком короткий (мин. длина: 20)." in passwords.check("Zelenaya-Lampa-42").problems


def test_the_strength_indicator_asks_the_same_rules(client):
    response = client.post("/auth/password-check", data={"password": "qwerty123", "login": "ivan"})
    assert response.json["score"] < passwords.MIN_SCORE
    assert any("Пароль слабый" in p for p in response.json["problems"])
    strong = client.post("/auth/password-check", data={"password": "Zelenaya-Lampa-42"})
    assert strong.json == {"score": 4, "problems": []}
