"""The app factory, the configuration and the migrations."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import config
from kabinet import create_app
from kabinet.extensions import db

ROOT = Path(__file__).resolve().parents[1]


def test_testing_config_is_applied(app):
    assert app.testing and app.config["ENV_NAME"] == "test"


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config.Config)


def test_a_bad_base_url_is_refused():
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app({"BASE_URL": "kabinet.example.org"})


def test_development_keeps_one_generated_secret(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "INSTANCE", tmp_path)
    first = create_app(config.DevConfig).config["SECRET_KEY"]
    second = create_app(config.DevConfig).config["SECRET_KEY"]
    assert first == second and len(first) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_trusted_hosts_and_cookie_security_follow_base_url():
    app = create_app({"BASE_URL": "https://lk.uk-dom.ru/", "EXTRA_TRUSTED_HOSTS": ["10.0.0.5"]})
    assert app.config["TRUSTED_HOSTS"] == ["lk.uk-dom.ru", "10.0.0.5"]
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["BASE_URL"] == "https://lk.uk-dom.ru"


def test_the_migrations_build_exactly_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == [], "models changed without a migration: flask --app wsgi db migrate"


# Its own SQLite file through the development config, whichever database the run is for: the SQLite run has it.
@pytest.mark.sqlite_only
def test_db_upgrade_works_on_an_empty_database(tmp_path):
    env = {
        **os.environ,
        "KABINET_ENV": "development",
        "KABINET_INSTANCE": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite'}",
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    demo = subprocess.run([*flask, "demo", "load"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    assert "login demo" in demo.stdout
    again = subprocess.run([*flask, "demo", "load"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    assert "не загружены" in again.stdout


def test_production_hashes_passwords_at_werkzeugs_full_cost_and_only_the_tests_cheaper(make_app):
    import config

    assert config.Config.PASSWORD_HASH_METHOD == config.DevConfig.PASSWORD_HASH_METHOD == "scrypt"
    app = make_app(PASSWORD_HASH_METHOD=config.Config.PASSWORD_HASH_METHOD)
    with app.app_context():
        from kabinet.models import User

        user = User(login="x", email="x@example.org", first_name="x", last_name="x", phone="")
        user.set_password("Zelenaya-Lampa-42")
        assert user.password_hash.startswith("scrypt:32768:8:1$")


def test_each_tests_app_renders_with_the_templates_an_earlier_app_compiled(make_app):
    """Every test builds its own app; compiling the templates again for each was a seventh of the suite's time."""
    make_app().test_client().get("/auth/login")
    app = make_app()

    def compile_again(*args, **kwargs):
        raise AssertionError("a template was compiled again")

    app.jinja_env.compile = compile_again
    response = app.test_client().get("/auth/login")
    assert response.status_code == 200 and "Войти" in response.get_data(as_text=True)
