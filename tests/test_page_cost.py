"""The layout's fixed cost cut (issue 11): the shortcuts write exactly what the slower general path wrote."""

from decimal import Decimal

import pytest
from babel.numbers import format_currency, get_currency_symbol
from flask_babel import lazy_gettext as _l_lazy
from markupsafe import Markup

from tests.conftest import PASSWORD, page
from tests.servers import csrf_token

# Zeros of both signs, half-cents either way, thousands and millions, more digits than kopecks.
AMOUNTS = (
    "0 -0 0.005 0.015 0.994 0.995 1 -1 81.75 -81.75 999.995 1000 5609.7 -5609.70 123456.785 -1234567.891 1e8 12.3456"
)


@pytest.mark.parametrize("currency", ["RUB", "KZT"])
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_amounts_read_as_babel_writes_them_with_the_currency_sign(app, lang, currency):
    from kabinet.filters import SIGNS, money

    with app.test_request_context(headers={"Cookie": f"lang={lang}"}):
        for value in [*map(Decimal, AMOUNTS.split()), 5609.7, -81.75, 0, 42]:
            babel = format_currency(value, currency, locale=lang).replace(
                get_currency_symbol(currency, lang), SIGNS[currency]
            )
            assert money(value, currency) == babel, value


def test_the_only_url_defaults_are_the_static_files_digests(app):
    # kabinet.layout.page_url keeps the addresses it built: a URL default depending on the request would go stale.
    from kabinet import assets

    assert app.url_default_functions == {None: [assets._add_version]}


@pytest.mark.parametrize("mount", ["", "/lk"])
def test_kept_addresses_follow_the_mount_point(tenant, mount):
    tenant.get("/cabinet/", environ_overrides={"SCRIPT_NAME": "/other"})
    html = tenant.get("/cabinet/", environ_overrides={"SCRIPT_NAME": mount}).get_data(as_text=True)
    assert f'href="{mount}/profile/"' in html and f'href="{mount}/contacts/"' in html
    assert "/other/" not in html


def test_templates_translate_and_escape_as_jinja_does(app):
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        html = app.jinja_env.from_string('{{ _("Выйти") }}|{{ _("Причина: %(reason)s", reason="<b>") }}').render()
    assert html == "Log out|Reason: &lt;b&gt;"


def test_the_kept_form_token_logs_out_and_belongs_to_its_session(make_app, user):
    app = make_app(WTF_CSRF_ENABLED=True)
    tokens = []
    for _ in range(2):
        client = app.test_client()
        login = csrf_token(page(client.get("/auth/login")))
        client.post("/auth/login", data={"login": "ivan", "password": PASSWORD, "csrf_token": login})
        drawn = [csrf_token(page(client.get("/cabinet/"))) for _ in range(2)]  # the second: the kept token
        assert client.post("/auth/logout", data={"csrf_token": drawn[1]}).status_code == 302
        assert client.get("/cabinet/").status_code == 302
        tokens.append(drawn[1])
    assert tokens[0] != tokens[1]


@pytest.mark.parametrize(("values", "query"), [({"page": 1}, "page=1"), ({"page": True}, "page=True")])
def test_an_address_is_kept_for_exactly_its_values(app, values, query):
    from kabinet.layout import page_url

    with app.test_request_context():
        assert page_url("book.index", page=1) == "/book/?page=1"
        assert page_url("book.index", **values) == f"/book/?{query}"


def test_a_kept_session_cookie_still_dies_when_tampered_with_or_too_old(app, tenant):
    from datetime import timedelta

    cookie_name = app.config["SESSION_COOKIE_NAME"]
    signed = tenant.get_cookie(cookie_name).value
    assert tenant.get("/cabinet/").status_code == 200  # the cookie is kept now
    payload, stamp, signature = signed.rsplit(".", 2)
    tampered = f"{payload}.{stamp}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    tenant.set_cookie(cookie_name, tampered)
    assert tenant.get("/cabinet/").status_code == 302
    tenant.set_cookie(cookie_name, signed)
    assert tenant.get("/cabinet/").status_code == 200
    app.permanent_session_lifetime = timedelta(seconds=-1)  # every cookie is now older than the session may live
    assert tenant.get("/cabinet/").status_code == 302


def test_a_session_holding_a_dict_is_read_afresh_each_time(app):
    from flask import session

    app.add_url_rule("/t/set", "t_set", lambda: session.update(draft={"step": 1}) or "ok")
    app.add_url_rule("/t/bump", "t_bump", lambda: str(session["draft"].update(step=2) or session["draft"]["step"]))
    app.add_url_rule("/t/read", "t_read", lambda: str(session["draft"]["step"]))
    client = app.test_client()
    client.get("/t/set")
    assert client.get("/t/bump").get_data(as_text=True) == "2"  # changed in place: Flask does not save it
    assert client.get("/t/read").get_data(as_text=True) == "1"  # what the cookie holds


def brand(response) -> str:
    """The organization the page's header names."""
    return page(response).split('class="navbar-brand', 1)[1].split(">", 1)[1].split("<", 1)[0]


def test_the_header_names_the_tenants_first_bound_organization_the_staffs_own_or_the_installations(app, client, user):
    from tests.conftest import logged_in
    from tests.factories import make_account, make_staff, other_organization

    make_staff(app, "admin")
    installation = brand(logged_in(app, "admin").get("/staff/"))
    assert brand(logged_in(app, "ivan").get("/cabinet/")) == installation  # no account yet
    other_organization(app, user_id=user)
    make_account(app, user_id=user)
    tenant = logged_in(app, "ivan")
    assert [brand(tenant.get(path)) for path in ("/cabinet/", "/contacts/")] == ["ТСЖ «Клён»"] * 2
    assert brand(logged_in(app, "admin").get("/staff/")) == installation != "ТСЖ «Клён»"


def test_an_imported_macro_still_sees_the_importing_templates_own_globals():
    from jinja2 import DictLoader, Environment

    from kabinet.layout import Page

    env = Environment(loader=DictLoader({"m.html": "{% macro m() %}{{ extra|default('-') }}{% endmacro %}"}))
    env.template_class = Page
    source = '{% from "m.html" import m %}{{ m() }}'
    assert env.from_string(source, globals={"extra": "own"}).render() == "own"
    assert env.from_string(source).render() == "-"


def test_the_cards_figures_from_one_query_reach_each_its_own_account(app, user):
    from datetime import date
    from decimal import Decimal

    from kabinet.cabinet.services import LastPayment, home
    from tests.factories import add_history, make_account, make_meter

    with_history = make_account(app, "100101", user_id=user, opening_balance=Decimal("10.00"))
    add_history(app, with_history, date(2025, 1, 1), 2)  # 1881.75 charged a month, 1000.00 paid on the 10th after
    make_meter(app, with_history, "CW-1")
    empty = make_account(app, "100102", premises="2", user_id=user)
    make_account(app, "100103", premises="3", opening_balance=Decimal("99.00"))  # someone else's: not on the home
    with app.test_request_context():
        first, second = home(user, date(2025, 3, 15)).cards
    assert (first.account.id, second.account.id) == (with_history, empty)
    assert (first.account.number, first.account.address) == ("100101", "г. Иркутск, ул. Ленина, д. 5, кв. 1")
    assert first.balance == Decimal("10.00") + 2 * Decimal("1881.75") - 2 * Decimal("1000.00")
    assert first.last_payment == LastPayment(date(2025, 3, 10), Decimal("1000.00"))
    assert (first.charges.month, first.charges.charged, first.charges.recalculated) == (
        date(2025, 2, 1), Decimal("1881.75"), Decimal("0.00"))  # fmt: skip
    assert (first.meters_due, first.open_requests) == (1, 0)
    assert (second.balance, second.last_payment, second.charges, second.meters_due) == (Decimal("0.00"), None, None, 0)


def test_kept_translations_belong_to_their_language(app):
    from flask_babel import force_locale

    template = app.jinja_env.from_string('{{ _("Выйти") }}')
    for lang, word in [("en", "Log out"), ("ru", "Выйти"), ("en", "Log out")]:
        with app.test_request_context(headers={"Cookie": f"lang={lang}"}):
            assert template.render() == word
            with force_locale("ru" if lang == "en" else "en"):  # an e-mail in its recipient's language
                assert template.render() != word


def test_a_template_rendered_inside_force_locale_speaks_that_language(app):
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context(headers={"Cookie": "lang=ru"}):
        with force_locale("en"):  # as an e-mail in its recipient's language is rendered
            assert render_template_string('{{ _("Выйти") }}') == "Log out"
        assert render_template_string('{{ _("Выйти") }}') == "Выйти"


@pytest.mark.parametrize("lang", ["ru", "en", "kk"])
def test_kept_dates_read_as_flask_babel_writes_them(app, lang):
    from datetime import date, datetime

    from flask_babel import force_locale, format_date

    days = [date(2026, 1, 1), date(2026, 5, 31), date(2025, 12, 31), datetime(2026, 11, 30, 22, 30)]
    template = app.jinja_env.from_string('{{ day|dateformat(pattern) }}|{{ day|dateformat }}')
    with app.test_request_context(headers={"Cookie": f"lang={lang}"}):
        for day in days:
            for pattern in ["dd.MM.yyyy", "LLLL yyyy", "d MMMM yyyy", "short"]:
                assert template.render(day=day, pattern=pattern) == f"{format_date(day, pattern)}|{format_date(day)}"
        with force_locale("ru" if lang != "ru" else "en"):  # the kept text belongs to its language
            assert template.render(day=days[1], pattern="LLLL yyyy") == f"{format_date(days[1], 'LLLL yyyy')}|" + (
                format_date(days[1])
            )


@pytest.mark.parametrize("mount", ["", "/lk"])
def test_the_kept_bootstrap_stylesheet_is_bootstrap_flasks_own(app, mount):
    from kabinet.layout import bootstrap_css

    for _ in range(2):  # made, then kept
        with app.test_request_context(environ_overrides={"SCRIPT_NAME": mount}):
            assert bootstrap_css() == app.extensions["bootstrap"].load_css()
            assert f'href="{mount}/bootstrap/static/css/bootstrap.min.css?v=' in bootstrap_css()


def test_a_kept_fragment_belongs_to_its_language_mount_point_and_values(app):
    from kabinet.layout import kept_fragment

    values = {"account_id": 7, "number": "1001", "organization_id": 1}
    seen = set()
    for lang, mount, account_id in [("ru", "", 7), ("en", "", 7), ("ru", "/lk", 7), ("ru", "", 8), ("ru", "", 7)]:
        with app.test_request_context(headers={"Cookie": f"lang={lang}"}, environ_overrides={"SCRIPT_NAME": mount}):
            html = kept_fragment("cabinet/_services.html", **{**values, "account_id": account_id})
            assert f'href="{mount}/balance/{account_id}"' in html
            assert ("Посмотреть баланс" in html) == (lang == "ru")
            seen.add(str(html))
    assert len(seen) == 4  # the last one is the first, kept


def test_the_kept_language_switch_marks_the_pages_language(client):
    import re

    for lang in ["ru", "en", "kk", "ru"]:
        client.set_cookie("lang", lang)
        html = client.get("/auth/login").get_data(as_text=True)
        marked = re.findall(r'value="(\w+)" lang="\w+"\s+class="btn btn-sm btn-secondary"\s+aria-current="true"', html)
        assert marked == [lang]


def test_wtforms_own_messages_are_kept_per_language(app):
    from kabinet.forms import ButtonForm

    for lang, expected in [("ru", "Неверный вариант"), ("en", "Not a valid"), ("ru", "Неверный вариант")]:
        with app.test_request_context(headers={"Cookie": f"lang={lang}"}):
            assert ButtonForm().meta.get_translations(None).gettext("Not a valid choice.").startswith(expected)


@pytest.mark.parametrize(
    "attributes",
    [
        {},
        {"name": "login", "id": "login", "type": "text", "value": "", "required": True, "class_": "form-control"},
        {"value": 'a"b<c>&d\'e', "checked": False, "disabled": True, "maxlength": 40, "minlength": 0},
        {"data_once": "", "aria_describedby": "a-help a-errors", "aria-invalid": "true", "for_": "x"},
        {"value": Markup('<b title="x">'), "placeholder": _l_lazy("Логин"), "step": 0.5, "none": None},
    ],
)
def test_input_attributes_are_written_as_wtforms_writes_them(app, attributes):
    from wtforms.widgets.core import html_params as wtforms_html_params

    from kabinet.forms import html_params

    with app.test_request_context():
        ours, theirs = html_params(**attributes), wtforms_html_params(**attributes)
        assert ours == theirs and type(ours) is type(theirs)


def test_a_kept_value_is_made_once_none_included_and_a_full_memory_starts_afresh(monkeypatch):
    from kabinet import kept as memory

    made = []
    store: dict = {}
    for _ in range(2):
        assert memory.kept(store, "no-such.css", lambda: made.append(1)) is None  # "no such file" is an answer too
    assert made == [1]
    monkeypatch.setattr(memory, "KEPT", 2)
    memory.kept(store, "a", lambda: "A")
    assert memory.kept(store, "b", lambda: "B") == "B" and store == {"b": "B"}  # full at two: forgotten, not grown


def test_statements_built_once_each_run_their_own_sql_with_the_values_given(app):
    # kabinet.statements.built_once: every decorated statement goes through one lambda, and SQLAlchemy keeps a
    # lambda's statement by its key for the whole process. Statements of the same shape, of the same name (made by a
    # factory), or built anew after cache_clear() must each run their own SQL with the values each run is given.
    from sqlalchemy import bindparam, literal_column, select

    from kabinet.extensions import db
    from kabinet.statements import built_once

    builds = []

    def factory(label, add):
        @built_once
        def statement():
            builds.append(label)
            return select(literal_column(f"'{label}'"), bindparam("n", type_=db.Integer) + add)

        return statement

    first, second = factory("first", 1), factory("second", 2)  # both named "factory.<locals>.statement"
    with app.app_context():
        rows = [db.session.execute(statement(), {"n": n}).one() for n in (10, 20) for statement in (first, second)]
        assert rows == [("first", 11), ("second", 12), ("first", 21), ("second", 22)]
        assert builds == ["first", "second"]  # built once each, however often run

        first.cache_clear()
        assert db.session.execute(first(), {"n": 1}).one() == ("first", 2) and builds[-1] == "first"


def _holds_a_transaction(connection) -> bool:
    """Whether the database side of a SQLAlchemy connection is inside a transaction, as its driver tells it."""
    driver = connection.connection.dbapi_connection
    if connection.dialect.name == "postgresql":
        import psycopg

        return driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
    return driver.in_transaction


def test_a_request_reads_outside_any_transaction_and_writes_beside_it(app, user):
    # The request's own reading connection keeps no transaction open (a lock held while the same request writes on
    # another connection could hang it behind a migration); the session check's write of the last visit goes through
    # the ORM session, and both connections go back to the pool when the request ends.
    from datetime import date, timedelta

    from flask import g
    from sqlalchemy import update

    from kabinet.cabinet.services import home
    from kabinet.clock import utcnow
    from kabinet.extensions import db
    from kabinet.models import UserSession
    from kabinet.statements import READER
    from tests.factories import make_account

    make_account(app, "100101", user_id=user)
    with app.test_request_context():
        assert [card.account.number for card in home(user, date(2025, 3, 15)).cards] == ["100101"]
        assert not _holds_a_transaction(g.get(READER))
    client = app.test_client()
    client.post("/auth/login", data={"login": "ivan", "password": PASSWORD})
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    assert "100101" in page(client.get("/cabinet/"))  # read, written (the last visit), read again
    with app.app_context():
        seen = db.session.scalar(db.select(UserSession.last_seen_at))
        pool = db.engine.pool
    assert utcnow() - seen < timedelta(minutes=1)
    assert pool.checkedout() == 0


def test_the_home_reads_on_one_connection_without_an_orm_session_and_gives_it_back(app, tenant, user):
    # kabinet.statements.connection: a page that only reads takes one connection from the pool and no ORM session.
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from kabinet.extensions import db
    from tests.factories import make_account

    make_account(app, "100101", user_id=user)
    tenant.get("/cabinet/")  # the first visit after logging in may note the session's last visit
    orm, checkouts = [], []
    with app.app_context():
        pool = db.engine.pool

    def began(*args):
        orm.append(1)

    def taken(*args):
        checkouts.append(1)

    event.listen(Session, "after_begin", began)
    event.listen(pool, "checkout", taken)
    try:
        html = page(tenant.get("/cabinet/"))
    finally:
        event.remove(Session, "after_begin", began)
        event.remove(pool, "checkout", taken)
    assert "100101" in html
    assert (orm, checkouts) == ([], [1])
    assert pool.checkedout() == 0  # given back when the request ended


def test_a_reader_sees_what_its_request_wrote_and_has_not_committed(app, user):
    from datetime import date

    from kabinet.cabinet.services import home
    from kabinet.extensions import db
    from kabinet.models import AccountBinding
    from tests.factories import make_account

    account = make_account(app, "100101")
    with app.test_request_context():
        assert home(user, date(2025, 3, 15)).cards == []  # read on the context's own connection
        db.session.add(AccountBinding(user_id=user, account_id=account, role="owner", method="code_word"))
        db.session.flush()  # not committed: only the session's transaction holds it
        assert [card.account.number for card in home(user, date(2025, 3, 15)).cards] == ["100101"]
        db.session.rollback()
    with app.app_context():
        assert db.engine.pool.checkedout() == 0
