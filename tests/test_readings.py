"""Meter readings ("Передать показания"): the window, the checks, the confirmation, replacing, history and access."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, insert, select

from kabinet import clock, messages
from kabinet.extensions import db
from kabinet.models import Meter, Organization, Reading, ReadingChange
from kabinet.organizations import default_organization
from kabinet.readings import services
from kabinet.readings.services import InvalidReading, MeterState
from tests.conftest import PASSWORD, make_user, page, queries, shows
from tests.factories import make_account, make_meter, make_staff


def local_today(app) -> date:
    with app.app_context():
        return clock.local_today()


def months_back(today: date, count: int) -> date:
    """The 20th of the month `count` months before today's."""
    index = today.year * 12 + today.month - 1 - count
    return date(index // 12, index % 12 + 1, 20)


def monthly(today: date, values) -> list[tuple[date, Decimal]]:
    """Readings on the 20th of the past months, the last value in the last month."""
    return [(months_back(today, len(values) - i), Decimal(str(v))) for i, v in enumerate(values)]


def set_window(app, first: int, last: int) -> None:
    with app.app_context():
        organization = default_organization()
        organization.readings_from_day, organization.readings_until_day = first, last
        db.session.commit()


def window_without(day: date) -> tuple[int, int]:
    """A window that does not include this day."""
    return (20, 25) if day.day < 20 else (1, 5)


def readings_of(app, meter_id) -> list[tuple[date, Decimal, str]]:
    with app.app_context():
        rows = db.session.scalars(select(Reading).where(Reading.meter_id == meter_id).order_by(Reading.taken_on))
        return [(r.taken_on, r.value, r.source) for r in rows]


def changes_of(app, meter_id) -> list[Decimal]:
    with app.app_context():
        query = select(ReadingChange.old_value).join(Reading).where(Reading.meter_id == meter_id)
        return list(db.session.scalars(query.order_by(ReadingChange.id)))


@pytest.fixture
def today(app):
    return local_today(app)


@pytest.fixture
def account(app, user):
    return make_account(app, "100101", user_id=user)


@pytest.fixture
def water(app, account, today):
    """A cold-water meter read monthly for half a year: 10 m³ a month."""
    return make_meter(app, account, "CW-1", readings=monthly(today, [100, 110, 120, 130, 140, 150, 160]))


def send(client, account_id, **values):
    return client.post(f"/readings/{account_id}", data={f"meter_{k}": v for k, v in values.items()})


def field(meter_id: int) -> str:
    return f'name="meter_{meter_id}"'


# --- the rules, without a request ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "today", "open_", "opens"),
    [
        (15, 25, date(2025, 11, 14), False, date(2025, 11, 15)),
        (15, 25, date(2025, 11, 15), True, None),
        (15, 25, date(2025, 11, 25), True, None),
        (15, 25, date(2025, 11, 26), False, date(2025, 12, 15)),
        (15, 25, date(2025, 12, 31), False, date(2026, 1, 15)),
        (1, 31, date(2025, 2, 28), True, None),
        (1, 31, date(2024, 2, 29), True, None),
        (10, 31, date(2025, 4, 30), True, None),  # the 31st is clamped to the month's last day
        (30, 31, date(2025, 2, 28), True, None),  # so is the first day
        (30, 31, date(2025, 2, 27), False, date(2025, 2, 28)),
        (25, 5, date(2025, 11, 3), True, None),  # across the month's end
        (25, 5, date(2025, 11, 10), False, date(2025, 11, 25)),
    ],
)
def test_the_window_includes_both_ends_and_knows_when_it_opens_next(first, last, today, open_, opens):
    organization = Organization(name="УК", readings_from_day=first, readings_until_day=last)
    assert services.is_open(organization, today) is open_
    if opens:
        assert services.next_opening(organization, today) == opens


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("123", "123.000"),
        ("123,4", "123.400"),
        ("123.456", "123.456"),
        (" 1 234,5 ", "1234.500"),
        ("0", "0.000"),
        ("000123,000", "123.000"),
        ("999999999,999", "999999999.999"),
    ],
)
def test_a_value_is_a_number_with_up_to_three_decimals_after_a_comma_or_a_point(app, typed, value):
    with app.app_context():
        assert services.parse(typed) == Decimal(value)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Введите число, например 123,456."),
        ("12a", "Введите число, например 123,456."),
        ("1.2.3", "Введите число, например 123,456."),
        ("1e5", "Введите число, например 123,456."),
        ("١٢٣", "Введите число, например 123,456."),
        ("-5", "Показание не может быть отрицательным."),
        ("-5,5", "Показание не может быть отрицательным."),
        ("1,2345", "Не больше трёх знаков после запятой."),
        ("1234567890", "Слишком большое число: не больше 9 цифр до запятой."),
    ],
)
def test_a_bad_value_is_refused_with_a_reason(app, typed, message):
    with app.app_context(), pytest.raises(InvalidReading) as refused:
        services.parse(typed)
    assert str(refused.value) == message


def state(today, values, unit="м³") -> MeterState:
    """A meter with readings on the 20th of past months (newest last in `values`)."""
    meter = Meter(id=1, serial="X", kind="cold_water", unit=unit)
    readings = [Reading(meter_id=1, taken_on=d, value=v) for d, v in monthly(today, values)]
    return MeterState(meter, today, readings[::-1])


def test_a_value_below_the_last_reading_names_it_and_sends_to_the_office(app):
    today = date(2025, 11, 16)
    with app.app_context(), pytest.raises(InvalidReading) as refused:
        services.check(state(today, [100, 1234.5]), Decimal("1000"))
    assert str(refused.value) == (
        "Показание не может быть меньше предыдущего: 1\xa0234,5 м³ от 20.10.2025. "
        "Если счетчик заменён или прошёл полный круг, обратитесь в офис компании."
    )


@pytest.mark.parametrize(
    ("history", "value", "asks"),
    [
        ([100, 110, 120], 150, False),  # 30 against 10 a month: three times is still usual
        ([100, 110, 120], 150.001, True),
        ([100, 110, 120, 130, 140, 150, 160, 170], 200, False),
        ([0, 1000, 1010, 1020, 1030, 1040, 1050, 1060], 1100, True),  # the first jump is older than 6 months
        ([120], 1000, False),  # no history: nothing to compare with
        ([], 1000, False),
        ([100, 100, 100], 101, True),  # a meter that never moved
        ([100, 100, 100], 100, False),
    ],
)
def test_much_larger_than_usual_is_over_three_times_the_recent_monthly_average(app, history, value, asks):
    today = date(2025, 11, 16)
    found = services.unusual(state(today, history), Decimal(str(value)), today)
    assert (found is not None) is asks


def test_the_usual_consumption_is_per_month_so_skipped_months_are_not_unusual():
    today = date(2025, 11, 16)
    skipped = state(today, [100, 110, 120])
    skipped.recent = [Reading(meter_id=1, taken_on=date(2025, 7, 20), value=Decimal(120)), *skipped.recent[1:]]
    assert services.unusual(skipped, Decimal("160"), today) is None  # 40 in 4 months


@pytest.mark.parametrize(
    ("history", "about"),
    [
        ([0, 665], "222"),  # 221,667 a month over three months
        ([0, 7], "2.3"),  # under 10: a tenth still tells something
        ([0, 30], "10"),
    ],
)
def test_the_usual_consumption_is_shown_rounded(history, about):
    today = date(2025, 11, 16)
    meter = state(today, history, unit="кВт·ч")
    meter.recent[-1].taken_on = months_back(today, 4)  # three months between the two readings
    found = services.unusual(meter, Decimal(history[-1] + 10_000), today)
    assert found.about == Decimal(about)


def test_this_months_reading_is_replaced_and_the_one_before_is_the_baseline(app):
    today = date(2025, 11, 16)
    meter = state(today, [100, 110])
    meter.recent.insert(0, Reading(meter_id=1, taken_on=date(2025, 11, 2), value=Decimal(125), source="tenant"))
    assert meter.this_month.value == 125 and meter.baseline.value == 110
    with app.app_context():
        services.check(meter, Decimal("111"))  # a correction below this month's value but above the last month's


@pytest.mark.parametrize("source", ["staff", "import"])
def test_the_companys_reading_of_this_month_is_not_replaced_but_is_the_baseline(app, source):
    today = date(2025, 11, 16)
    meter = state(today, [100, 110])
    meter.recent.insert(0, Reading(meter_id=1, taken_on=date(2025, 11, 2), value=Decimal(125), source=source))
    assert meter.this_month.value == 125 and meter.replaced is None and meter.baseline.value == 125
    with app.app_context(), pytest.raises(InvalidReading):
        services.check(meter, Decimal("111"))


@pytest.mark.parametrize(
    ("due", "status"),
    [(None, None), (-1, "expired"), (0, "soon"), (30, "soon"), (31, None)],
)
def test_verification_is_expired_after_its_date_and_soon_within_30_days(due, status):
    today = date(2025, 11, 16)
    meter = Meter(serial="X", kind="gas", unit="м³", verification_due=None if due is None else today + timedelta(due))
    assert services.verification(meter, today) == status


# --- the page -------------------------------------------------------------------------------------------------------


def test_the_page_lists_every_active_meter_with_its_last_reading(app, tenant, account, water, today):
    power = make_meter(app, account, "EL-7", kind="electricity_night", readings=[(months_back(today, 1), "4321.5")])
    gone = make_meter(app, account, "OLD-1", kind="hot_water")
    with app.app_context():
        db.session.get(Meter, gone).is_active = False
        db.session.commit()
    html = page(tenant.get(f"/readings/{account}"))
    assert "Холодная вода" in html and "№ CW-1" in html and "160 м³" in html
    assert months_back(today, 1).strftime("%d.%m.%Y") in html
    assert "Электроэнергия (ночь)" in html and "4\xa0321,5 кВт·ч" in html
    assert "OLD-1" not in html and html.count('data-test="meter"') == 2
    assert field(water) in html and field(power) in html
    assert "Показания принимаются в течение всего месяца." in html


def test_index_opens_the_first_account_or_the_binding_wizard(app, tenant, account):
    assert tenant.get("/readings/").location == f"/readings/{account}"
    make_user(app, "olga", "olga@example.org")
    tenant.post("/auth/logout")
    tenant.post("/auth/login", data={"login": "olga", "password": "Zelenaya-Lampa-42"})
    assert tenant.get("/readings/").location == "/accounts/bind"


def test_the_pages_need_a_login(client, account, water):
    for url in ("/readings/", f"/readings/{account}", f"/readings/{account}/meters/{water}"):
        assert client.get(url).location.startswith("/auth/login")


def test_an_account_without_meters_says_so(tenant, account):
    assert "не подключены счетчики" in page(tenant.get(f"/readings/{account}"))


def test_submitting_saves_this_months_reading_and_shows_it(app, tenant, account, water, today):
    done = send(tenant, account, **{str(water): "163,5"})
    assert done.location == f"/readings/{account}"
    shown = tenant.get(done.location)
    assert shows(shown, messages.READINGS_SAVED)
    assert "Этот месяц" in page(shown) and "163,5 м³" in page(shown)
    assert readings_of(app, water)[-1] == (today, Decimal("163.500"), "tenant")


def test_an_empty_field_skips_its_meter(app, tenant, account, water, today):
    gas = make_meter(app, account, "G-1", kind="gas")
    send(tenant, account, **{str(water): "", str(gas): "5"})
    assert len(readings_of(app, water)) == 7 and readings_of(app, gas) == [(today, Decimal("5.000"), "tenant")]


def test_an_empty_form_asks_for_at_least_one_value(app, tenant, account, water):
    html = page(send(tenant, account, **{str(water): "  "}))
    assert "Введите показания хотя бы одного счетчика." in html
    assert len(readings_of(app, water)) == 7


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("сто", "Введите число, например 123,456."),
        ("-170", "Показание не может быть отрицательным."),
        ("170,1234", "Не больше трёх знаков после запятой."),
        ("12345678901", "Слишком большое число: не больше 9 цифр до запятой."),
        ("1" * 40, "Слишком длинное значение."),
        ("150", "Показание не может быть меньше предыдущего: 160 м³ от"),
        ('<b>"1"</b>', "Введите число, например 123,456."),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_kept(app, tenant, account, water, typed, message):
    gas = make_meter(app, account, "G-1", kind="gas")
    response = send(tenant, account, **{str(water): typed, str(gas): "7"})
    html = page(response)
    assert response.status_code == 200
    errors = html[html.index(f'id="meter_{water}-errors"') :]
    assert message in errors[:400]
    assert f'value="{typed}"'.replace("<", "&lt;").replace(">", "&gt;").replace('"1"', "&#34;1&#34;") in html
    assert 'value="7"' in html  # the other meter's value is kept too, and nothing is saved
    assert len(readings_of(app, water)) == 7 and readings_of(app, gas) == []


def test_refused_values_are_summed_up_at_the_top_with_links_to_their_fields(app, tenant, account, water):
    gas = make_meter(app, account, "G-1", kind="gas")
    html = page(send(tenant, account, **{str(water): "150", str(gas): "сто"}))
    summary = html[html.index('data-test="refused"') :]
    summary = summary[: summary.index("</div>")]
    assert html.index('data-test="refused"') < html.index(f'id="meter_{water}"')  # above the fields, not beside
    assert 'role="alert" data-test="refused"' in html  # read out at once by a screen reader
    assert "Показания не приняты: проверьте отмеченные поля." in summary
    assert f'href="#meter_{water}"' in summary and f'href="#meter_{gas}"' in summary
    assert "Холодная вода, № CW-1" in summary and "160 м³ от" in summary
    assert 'data-test="refused"' not in page(tenant.get(f"/readings/{account}"))


def test_a_value_below_the_last_one_sends_the_tenant_to_the_office(tenant, account, water):
    html = page(send(tenant, account, **{str(water): "159"}))
    assert "обратитесь в офис компании" in html


def test_an_unusual_consumption_is_shown_and_saved_only_once_confirmed(app, tenant, account, water, today):
    asked = page(send(tenant, account, **{str(water): "260"}))
    assert "Расход намного больше обычного" in asked
    assert "расход 100 м³, обычно около 10 м³ в месяц" in asked
    three_months = [(months_back(today, 4), 0), (months_back(today, 1), 665)]  # 221,667 kWh a month
    thirds = make_meter(app, account, "E-1", kind="electricity", readings=three_months)
    about = page(send(tenant, account, **{str(thirds): "5000"}))
    assert "обычно около 222 кВт·ч в месяц" in about and "221,667" not in about
    assert "Подтвердить" in asked and 'value="260"' in asked
    assert len(readings_of(app, water)) == 7  # nothing saved yet

    confirmed = f"{water}=260.000"
    assert f'value="{confirmed}"' in asked
    changed = page(tenant.post(f"/readings/{account}", data={f"meter_{water}": "270", "confirmed": confirmed}))
    assert "расход 110 м³" in changed and f'value="{water}=270.000"' in changed  # another value is asked anew
    assert len(readings_of(app, water)) == 7

    done = tenant.post(f"/readings/{account}", data={f"meter_{water}": "260", "confirmed": confirmed})
    assert done.status_code == 302
    assert readings_of(app, water)[-1] == (today, Decimal("260.000"), "tenant")


def test_submitting_again_in_the_month_replaces_the_reading_and_keeps_the_old_value(app, tenant, account, water):
    send(tenant, account, **{str(water): "163"})
    send(tenant, account, **{str(water): "164,5"})
    send(tenant, account, **{str(water): "162"})  # a correction may go down, not below last month's
    assert [r[1] for r in readings_of(app, water)][-2:] == [Decimal("160.000"), Decimal("162.000")]
    assert changes_of(app, water) == [Decimal("163.000"), Decimal("164.500")]
    html = page(tenant.get(f"/readings/{account}"))
    assert "Этот месяц" in html and "Новое значение заменит переданное в этом месяце. Не меньше 160" in html
    html = page(tenant.get(f"/readings/{account}/meters/{water}"))
    assert html.count('data-test="change"') == 2 and "было 164,5" in html and "было 163" in html


def test_a_double_click_saves_one_reading(app, tenant, account, water):
    first = send(tenant, account, **{str(water): "163"})
    second = send(tenant, account, **{str(water): "163,000"})
    assert first.status_code == second.status_code == 302
    assert len(readings_of(app, water)) == 8 and changes_of(app, water) == []
    assert shows(tenant.get(second.location), messages.READINGS_SAVED)


def test_a_race_meets_the_unique_constraint_and_ends_as_an_update(app, account, water, user, today):
    """A rival submission commits the same meter's reading between our look-up and our insert."""
    with app.app_context():
        engine, fired = db.engine, []

        def rival(conn, cursor, statement, *args):
            if statement.startswith("INSERT INTO readings") and not fired:
                fired.append(statement)
                with engine.connect() as other:
                    other.execute(insert(Reading).values(meter_id=water, taken_on=today, value=161, source="tenant"))
                    other.commit()

        event.listen(engine, "before_cursor_execute", rival)
        try:
            assert services.submit({water: Decimal("163.000")}, user, today) == 1
        finally:
            event.remove(engine, "before_cursor_execute", rival)
    assert fired
    assert readings_of(app, water)[-1] == (today, Decimal("163.000"), "tenant")
    assert changes_of(app, water) == [Decimal("161.000")]


def add_reading(app, meter_id, taken_on: date, value, source: str) -> None:
    with app.app_context():
        db.session.add(Reading(meter_id=meter_id, taken_on=taken_on, value=Decimal(str(value)), source=source))
        db.session.commit()


def test_submit_itself_refuses_outside_the_window_with_the_pages_message(app, account, water, user):
    """Whoever calls it (the page, the Telegram chat, a caller yet to come), the window is the rule's own."""
    with app.app_context():
        organization = default_organization()
        organization.readings_from_day, organization.readings_until_day = 15, 25
        db.session.commit()
        with pytest.raises(services.WindowClosed) as closed:
            services.submit({water: Decimal("300.000")}, user, date(2026, 11, 26))
        assert str(closed.value) == "Приём показаний закрыт. Следующий приём откроется 15 декабря."
        assert services.submit({water: Decimal("300.000")}, user, date(2026, 11, 25)) == 1
    assert [value for _, value, _ in readings_of(app, water)][-1] == Decimal("300.000")


def test_a_tenants_reading_goes_beside_the_companys_of_this_month_and_replaces_only_its_own(app, account, user):
    """The trial's case: a meter replaced on the 5th starts at 0,5; the tenant's reading must not overwrite that."""
    meter = make_meter(app, account, "CW-2")
    add_reading(app, meter, date(2026, 10, 5), "0.5", "staff")
    with app.app_context():
        assert services.submit({meter: Decimal("3.000")}, user, date(2026, 10, 20)) == 1
        assert services.submit({meter: Decimal("3.000")}, user, date(2026, 10, 20)) == 0  # a double click
        assert services.submit({meter: Decimal("4.000")}, user, date(2026, 10, 21)) == 1  # its own is replaced
    assert readings_of(app, meter) == [
        (date(2026, 10, 5), Decimal("0.500"), "staff"),
        (date(2026, 10, 21), Decimal("4.000"), "tenant"),
    ]
    assert changes_of(app, meter) == [Decimal("3.000")]


def test_a_replaced_meters_starting_reading_survives_the_tenants_reading(app, client, auth, account, water, today):
    """Through the real pages: the accountant replaces the meter, the tenant then sends this month's reading.

    On the 1st the replacement is dated today: then the tenant's reading waits for tomorrow (the next test's rule)."""
    make_staff(app, "accountant")
    client.post("/auth/login", data={"login": "accountant", "password": PASSWORD})
    form = {"replaced_on": today.replace(day=1).isoformat(), "final_value": "161", "serial": "CW-2",
            "kind": "cold_water", "initial_value": "0,5"}  # fmt: skip
    assert client.post(f"/staff/accounts/{account}/meters/{water}/replace", data=form).status_code == 302
    client.post("/auth/logout")
    auth.login()
    with app.app_context():
        new = db.session.scalar(select(Meter.id).where(Meter.serial == "CW-2"))
    html = page(client.get(f"/readings/{account}"))
    assert "Этот месяц" in html and "0,5 м³" in html and "заменит" not in html
    assert "Не меньше 0,5" not in html  # the shown value is the baseline itself: nothing to add
    assert send(client, account, **{str(new): "0,4"}).status_code == 200  # below the starting reading
    if today.day == 1:
        assert "уже записала управляющая компания" in page(send(client, account, **{str(new): "2,5"}))
        assert readings_of(app, new) == [(today, Decimal("0.500"), "staff")]
        return
    assert send(client, account, **{str(new): "2,5"}).status_code == 302
    assert readings_of(app, new) == [
        (today.replace(day=1), Decimal("0.500"), "staff"),
        (today, Decimal("2.500"), "tenant"),
    ]
    html = page(client.get(f"/readings/{account}/meters/{new}"))
    assert html.count('data-test="reading"') == 2 and 'data-test="change"' not in html


def test_a_reading_on_a_day_the_company_has_read_the_meter_is_refused_beside_the_field(
    app, tenant, account, water, today
):
    add_reading(app, water, today, "165", "staff")
    html = page(tenant.get(f"/readings/{account}"))
    assert "Этот месяц" in html and "165 м³" in html and "заменит" not in html
    answer = send(tenant, account, **{str(water): "170"})
    errors = page(answer)[page(answer).index(f'id="meter_{water}-errors"') :]
    assert answer.status_code == 200
    assert "Сегодня показание этого счётчика уже записала управляющая компания: передайте своё завтра." in errors[:400]
    assert readings_of(app, water)[-1] == (today, Decimal("165.000"), "staff") and changes_of(app, water) == []


def test_the_company_reading_the_meter_while_the_tenant_types_is_refused_too(app, tenant, account, water, today):
    """The page was checked before the company's reading of today existed: the saving refuses, nothing is changed."""
    with app.app_context():
        engine, fired = db.engine, []

        def company(conn, cursor, statement, *args):
            if statement.startswith("INSERT INTO readings") and not fired:
                fired.append(statement)
                with engine.connect() as other:
                    other.execute(insert(Reading).values(meter_id=water, taken_on=today, value=165, source="staff"))
                    other.commit()

        event.listen(engine, "before_cursor_execute", company)
        try:
            answer = send(tenant, account, **{str(water): "170"})
        finally:
            event.remove(engine, "before_cursor_execute", company)
    assert fired and answer.status_code == 200
    assert "уже записала управляющая компания" in page(answer)
    assert readings_of(app, water)[-1] == (today, Decimal("165.000"), "staff")


def test_outside_the_window_the_page_says_when_it_opens_and_takes_nothing(app, tenant, account, water, today):
    first, last = window_without(today)
    set_window(app, first, last)
    html = page(tenant.get(f"/readings/{account}"))
    assert f"Приём показаний с {first} по {last} число." in html
    assert "Следующий приём откроется" in html
    assert field(water) not in html and "Передать показания</button>" not in html

    refused = send(tenant, account, **{str(water): "163"})
    assert refused.location == f"/readings/{account}"
    assert "Приём показаний закрыт. Следующий приём откроется" in page(tenant.get(refused.location))
    assert len(readings_of(app, water)) == 7


def test_inside_the_window_the_page_names_it_and_takes_readings(app, tenant, account, water, today):
    set_window(app, today.day, today.day)
    html = page(tenant.get(f"/readings/{account}"))
    assert f"Приём показаний с {today.day} по {today.day} число." in html and field(water) in html
    assert "Следующий приём" not in html
    assert send(tenant, account, **{str(water): "163"}).status_code == 302
    assert len(readings_of(app, water)) == 8


def test_verification_warnings(app, tenant, account, today):
    make_meter(app, account, "OVERDUE", kind="hot_water", verification_due=today - timedelta(days=1))
    make_meter(app, account, "SOON", kind="cold_water", verification_due=today + timedelta(days=30))
    make_meter(app, account, "FINE", kind="gas", verification_due=today + timedelta(days=31))
    html = page(tenant.get(f"/readings/{account}"))
    assert html.count('data-test="verification"') == 2
    assert f"Срок поверки истёк {(today - timedelta(days=1)).strftime('%d.%m.%Y')}" in html
    assert f"Срок поверки истекает {(today + timedelta(days=30)).strftime('%d.%m.%Y')}" in html


def test_the_history_shows_consumption_by_month_and_a_chart(app, tenant, account, water, today):
    send(tenant, account, **{str(water): "175"})
    html = page(tenant.get(f"/readings/{account}/meters/{water}"))
    assert html.count('data-test="reading"') == 8 and html.count('data-test="bar"') == 7
    assert "<svg" in html and "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    rows = html.split('data-test="reading"')[1:]
    assert today.strftime("%d.%m.%Y") in rows[0] and ">175<" in rows[0] and ">15<" in rows[0]
    assert "через личный кабинет" in rows[0] and "управляющая компания" in rows[1]
    assert "—" in rows[-1]  # the first reading has nothing to compare with


# --- access ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def neighbour(app):
    """Another tenant's account with a meter."""
    olga = make_user(app, "olga", "olga@example.org")
    other = make_account(app, "100102", premises="2", user_id=olga)
    return other, make_meter(app, other, "N-1", readings=[(date(2025, 1, 20), 50)])


def test_another_tenants_account_and_meter_are_not_found(app, tenant, account, water, neighbour):
    other, other_meter = neighbour
    assert tenant.get(f"/readings/{other}").status_code == 404
    assert tenant.post(f"/readings/{other}", data={f"meter_{other_meter}": "60"}).status_code == 404
    assert tenant.get(f"/readings/{other}/meters/{other_meter}").status_code == 404
    assert tenant.get(f"/readings/{account}/meters/{other_meter}").status_code == 404  # another account's meter
    assert tenant.get("/readings/999999").status_code == 404
    html = page(send(tenant, account, **{str(other_meter): "60"}))  # a field the form does not have is ignored
    assert "Введите показания хотя бы одного счетчика." in html
    assert readings_of(app, other_meter) == [(date(2025, 1, 20), Decimal("50.000"), "import")]


# --- bounded queries ------------------------------------------------------------------------------------------------


def counts(app, client, account_id, meter_id):
    """The queries of the page, of a submission asking for confirmation, of a save, and of the history."""
    found = []
    for request in (
        lambda: client.get(f"/readings/{account_id}"),
        lambda: client.post(f"/readings/{account_id}", data={f"meter_{meter_id}": "99999"}),
        lambda: client.post(
            f"/readings/{account_id}", data={f"meter_{meter_id}": "99999", "confirmed": f"{meter_id}=99999.000"}
        ),
        lambda: client.get(f"/readings/{account_id}/meters/{meter_id}"),
    ):
        with queries(app) as counted:
            assert request().status_code in (200, 302)
        found.append(counted.count)
    return found


def test_the_queries_do_not_grow_with_the_history_nor_with_the_meters(app, tenant, user, today):
    short = make_account(app, "100201", user_id=user)  # one meter, one month of consumption
    long = make_account(app, "100202", user_id=user)  # three meters, ten years
    short_meter = make_meter(app, short, "S-1", kind="gas", readings=monthly(today, [1, 2]))
    long_meters = [
        make_meter(app, long, f"L-{kind}", kind=kind, readings=monthly(today, range(1, 122)))
        for kind in ("gas", "heat", "hot_water")
    ]
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id)).where(Reading.meter_id == long_meters[0])) == 121
    assert counts(app, tenant, short, short_meter) == counts(app, tenant, long, long_meters[0])
