"""Hostile values in every route, as anonymous, a tenant and each staff role: a 404 or a 400, never a 500 (issue 9).

The security review's cases first, as plain examples: an id at or past 2^63 in the path, a page number past any list,
the date 0001-01-01 in a staff filter, a `next=` with CR/LF. Then a walk of the URL map with Hypothesis: every rule,
its path arguments replaced by hostile values and every parameter a view or a form reads sent with hostile values. The
routes come from the URL map, so a new route is walked without being listed here.
"""

import logging
import re
from datetime import date
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from kabinet.forms import DATE_OUT_OF_RANGE, Form
from tests import test_staff_matrix as matrix
from tests.conftest import PASSWORD, logged_in, make_user, page, shows
from tests.factories import add_history, make_account, make_meter, make_staff

# --- the review's cases -----------------------------------------------------------------------------------------


@pytest.fixture
def bound(app):
    """A tenant (login ivan) with one account: their id and the account's."""
    user = make_user(app)
    return user, make_account(app, user_id=user)


@pytest.mark.parametrize("number", [2**31, 2**63, 2**64, 10**30])
def test_an_id_no_row_can_have_is_not_found(app, bound, number):
    client = logged_in(app, "ivan")
    for url in [f"/balance/{number}", f"/readings/{number}", f"/dispatch/{number}", f"/receipts/{number}/2026-10"]:
        assert client.get(url).status_code == 404, url


def test_a_page_number_past_any_list_shows_the_first_page(app, bound):
    client = logged_in(app, "ivan")
    for query in [f"page={2**63}", "page=-1", "page=abc", f"page={10**30}", f"published_page={2**64}"]:
        assert client.get(f"/book/?{query}").status_code == 200, query
    make_staff(app, "dispatcher")
    assert logged_in(app, "dispatcher").get(f"/staff/dispatch/?page={2**63}").status_code == 200


def test_an_account_id_past_any_row_in_the_query_is_left_out(app, bound):
    response = logged_in(app, "ivan").get(f"/dispatch/new?account_id={2**64}")
    assert response.status_code == 200  # the form, for the account the tenant opened last


@pytest.mark.parametrize("query", ["created_from=0001-01-01", "created_until=9999-12-31", "created_from=01.01.0001"])
def test_a_date_outside_the_calendar_in_the_queue_filter_is_a_bad_request_with_the_message(app, query):
    make_staff(app, "dispatcher")
    response = logged_in(app, "dispatcher").get(f"/staff/dispatch/?status=all&{query}")
    assert response.status_code == 400
    assert shows(response, DATE_OUT_OF_RANGE)


@pytest.mark.parametrize("query", ["since=0001-01-01", "until=9999-12-31"])
def test_a_date_outside_the_calendar_in_the_audit_filter_is_a_bad_request_with_the_message(app, query):
    make_staff(app, "admin")
    response = logged_in(app, "admin").get(f"/staff/audit?{query}")
    assert response.status_code == 400
    assert shows(response, DATE_OUT_OF_RANGE)


@pytest.mark.parametrize(("field", "value"), [("replaced_on", "9999-12-31"), ("verification_due", "0001-01-01")])
def test_a_date_outside_the_calendar_in_a_meter_replacement_is_refused_beside_the_field(app, field, value):
    account = make_account(app)
    meter = make_meter(app, account, readings=[(date(2026, 9, 20), 10)])
    make_staff(app, "accountant")
    form = {"replaced_on": "2026-10-05", "final_value": "12", "serial": "CW-2", "kind": "cold_water",
            "initial_value": "0", field: value}  # fmt: skip
    answer = logged_in(app, "accountant").post(f"/staff/accounts/{account}/meters/{meter}/replace", data=form)
    assert answer.status_code == 200
    assert f'id="{field}-errors"' in page(answer) and shows(answer, DATE_OUT_OF_RANGE)


@pytest.mark.parametrize(("field", "value"), [("published_on", "0001-01-01"), ("until", "31.12.9999")])
def test_a_date_outside_the_calendar_in_an_announcement_is_refused_beside_the_field(app, field, value):
    make_staff(app, "dispatcher")
    form = {"title": "Отключение воды", "body": "Воду отключат 5 мая.", "published_on": "2026-05-01", field: value}
    answer = logged_in(app, "dispatcher").post("/staff/content/announcements/new", data=form)
    assert answer.status_code == 200
    assert f'id="{field}-errors"' in page(answer) and shows(answer, DATE_OUT_OF_RANGE)


@pytest.mark.parametrize("target", ["/\r\nSet-Cookie:x", "/profile/\n", "/\x85"])
def test_a_next_address_with_control_characters_goes_to_the_cabinet(app, bound, target):
    switched = app.test_client().post("/language", data={"lang": "en", "next": target})
    assert switched.status_code == 302 and switched.location == "/cabinet/"
    login = app.test_client().post("/auth/login", data={"login": "ivan", "password": PASSWORD, "next": target})
    assert login.status_code == 302 and login.location == "/cabinet/"
    assert "Set-Cookie:x" not in str(login.headers)


# --- the walk ---------------------------------------------------------------------------------------------------

# Flask's own route for static files: nginx serves them in production, and its <path:> is werkzeug's to check.
SKIPPED = {"static"}

HUGE = [0, -1, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, 10**30]
NUMBERS = [*map(str, HUGE), "9" * 400, "9" * 5000, "1.5", "+1", " 1", "1e3", "0x10", "١٢"]
GARBAGE = ["", " ", "abc", "\x00", "1\x00", "\r\n", "ё", "🙂", "\u202e", "x" * 3000, "../../etc/passwd", "%00", "\\"]
DATES = ["0001-01-01", "9999-12-31", "2026-02-30", "01.01.0001", "31.12.9999", "0000-00-00", "2026-13", "9999-12"]
TARGETS = ["/\r\nSet-Cookie:x", "//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example"]
KINDS = [NUMBERS, GARBAGE, DATES, TARGETS]
# In a path, as a client may write it: percent-escapes of control characters and of a slash, raw Unicode.
PATH_VALUES = [*NUMBERS, "%00", "%0d%0a", "..%2f..%2fetc", "..", "ё", "%ff", "x" * 3000, "a b", "2026-02-30", "9999-12"]
# What a string argument names when it is right, so that the walk also reaches the view behind it.
GOOD_STRINGS = {"month": "2026-10", "name": "yandex", "filename": "css/bootstrap.min.css"}
# What the views read from the query string themselves (grep request.args); the forms' fields are added to them.
ARGS = ["page", "published_page", "account_id", "next", "all", "link", "error", "code", "state", "device_id", "login"]
ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")  # <int:account_id>, <token>
PROVIDERS = {"yandex": {"client_id": "id", "client_secret": "secret"}}  # its buttons redirect; nothing leaves the box

WALK = settings(
    max_examples=4,
    deadline=None,
    database=None,
    phases=[Phase.generate],  # a failing walk lists every 500 it met: shrinking it would only take long
    verbosity=Verbosity.quiet,  # ... and its hundreds of draws would bury the list
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture
def app(make_app):
    """The app with a social login provider, so that its routes are walked past the "no such provider" 404."""
    return make_app(SOCIAL_PROVIDERS=PROVIDERS)


ids = matrix.ids  # the role matrix's rows: one of everything a URL names, its staff, and a tenant with accounts


@pytest.fixture
def rows(app, ids):
    """The matrix's rows, and a month of charges on the tenant's account: its receipt for GOOD_STRINGS' month."""
    add_history(app, ids["account"], date(2026, 10, 1), 1)
    return ids


def parameters() -> list[str]:
    """What a request may carry: ARGS, and every field of every form (a GET filter reads its fields from the query,
    the others from the body). Asked once the app is built: the forms are imported with the views."""
    names, classes = set(), [Form]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        names.update(name for name in dir(cls) if isinstance(getattr(cls, name, None), UnboundField))
    return sorted({*ARGS, *names})


def hostile(names):
    """One hostile value for every name, a few of them replaced by others: the mix a scanner sends."""
    return st.builds(
        lambda theme, changed: {**dict.fromkeys(names, theme), **changed},
        st.one_of(*map(st.sampled_from, KINDS)),  # each kind as likely, however many values it has
        st.dictionaries(st.sampled_from(names), st.sampled_from([*NUMBERS, *GARBAGE, *DATES, *TARGETS]), max_size=3),
    )


def walked_rules(app):
    """Every rule but SKIPPED: pages first, then actions, last those that remove what other URLs name, and logout."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIPPED]
    return sorted(
        rules,
        key=lambda rule: (rule.endpoint == "auth.logout", "GET" not in rule.methods,
                          rule.rule.endswith(("/delete", "/unbind", "/block", "/cancel")), rule.rule),
    )  # fmt: skip


def real_value(rule, argument, ids) -> str:
    """An existing row's id, or a right string, for the argument."""
    if argument in GOOD_STRINGS:
        return GOOD_STRINGS[argument]
    key = matrix.MEANING.get((rule.endpoint.split(".")[0], argument), argument.removesuffix("_id"))
    return str(ids.get(key, 1))


def path_of(rule, data, ids) -> str:
    """The rule's path, each argument an existing row (half the time: the view behind is walked) or a hostile value."""

    def value(found):
        right = st.just(real_value(rule, found[1], ids))
        return data.draw(st.one_of(right, st.sampled_from(PATH_VALUES)), label=found[1])

    return ARGUMENT.sub(value, rule.rule)


def crash(records) -> str:
    """What the error handler logged ("Unhandled error" with the exception), if anything."""
    errors = [record for record in records if record.levelno >= logging.ERROR]
    if not errors:
        return ""
    return repr(errors[0].exc_info[1])[:300] if errors[0].exc_info else errors[0].getMessage()


@pytest.mark.parametrize("who", [None, "tenant", *matrix.ROLES, matrix.PLATFORM])
@WALK
@given(data=st.data())
def test_no_route_answers_500_to_hostile_input(app, rows, caplog, who, data):
    client = logged_in(app, who) if who else app.test_client()
    crashes, names = [], parameters()
    for rule in walked_rules(app):
        path = path_of(rule, data, rows)
        for method in sorted(rule.methods & {"GET", "POST"}):
            query = urlencode(data.draw(hostile(names), label="query"))
            body = data.draw(hostile(names), label="body") if method == "POST" else None
            caplog.clear()
            with caplog.at_level(logging.ERROR):
                status = client.open(path, method=method, query_string=query, data=body).status_code
            if status >= 500 or crash(caplog.records):
                crashes.append(f"{who} {method} {path[:120]}?{query[:200]}: {status} {crash(caplog.records)}")
        if rule.endpoint == "auth.logout" and who:
            client = logged_in(app, who)
    assert not crashes, "\n".join(crashes)


def area(endpoint: str) -> str:
    """Who opens the pages of an endpoint: the admin the back office's, the platform administrator the platform's."""
    return {"staff": "admin", "platform": matrix.PLATFORM}.get(endpoint.split(".")[0].split("_")[0], "tenant")


@pytest.mark.parametrize("who", ["admin", "tenant", matrix.PLATFORM])
def test_the_walks_right_values_open_the_pages(app, rows, who):
    """Half the walk's path values are right ones: they open real pages, so its hostile queries reach the views."""
    client = logged_in(app, who)
    for rule in walked_rules(app):
        named = all(f"<int:{argument}>" in rule.rule or argument == "month" for argument in rule.arguments)
        if "GET" in rule.methods and rule.arguments and named and area(rule.endpoint) == who:
            path = ARGUMENT.sub(lambda found, rule=rule: real_value(rule, found[1], rows), rule.rule)
            assert client.get(path).status_code == 200, path
