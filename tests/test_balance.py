"""The balance page ("Баланс лицевого счета"): the month table, each month's services, the payments, the chart."""

import re
from datetime import date
from decimal import Decimal

import pytest

from kabinet.balance import chart
from kabinet.balance.ledger import Month
from kabinet.extensions import db
from kabinet.models import AccountBinding, Charge, Payment
from tests.conftest import make_user, page, queries
from tests.factories import add_history, make_account


@pytest.fixture
def account(app, user):
    return make_account(app, "100101", user_id=user)


def text(html: str) -> str:
    """What the browser shows: Babel's non-breaking spaces read as spaces."""
    return html.replace("\xa0", " ").replace("\u202f", " ")


def month_row(html: str, month: str) -> dict[str, str]:
    """The figures of one month's line, by column: opening, charged, recalculated, paid, closing."""
    block = re.search(rf'data-month="{month}".*?</details>', html, re.S)
    assert block, f"no month {month} on the page"
    return dict(re.findall(r'data-test="(opening|charged|recalculated|paid|closing)">([^<]*)<', text(block.group(0))))


def charge(account_id, month, service, tariff, quantity, unit, amount, recalculation="0.00") -> Charge:
    return Charge(
        account_id=account_id,
        month=month,
        service=service,
        tariff=Decimal(tariff),
        quantity=Decimal(quantity),
        unit=unit,
        amount=Decimal(amount),
        recalculation=Decimal(recalculation),
    )


def add(app, *rows):
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()


# --- access -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/balance/", "/balance/1", "/balance/1?all=1"])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.location


def test_another_tenants_account_is_not_found(app, tenant, account):
    other = make_user(app, login="olga", email="olga@example.org")
    theirs = make_account(app, "100102", premises="2", user_id=other)
    add_history(app, theirs, date(2025, 1, 1), 2)
    for url in (f"/balance/{theirs}", f"/balance/{theirs}?all=1", "/balance/999999"):
        response = tenant.get(url)
        assert response.status_code == 404
        assert "100102" not in page(response)


def test_the_menu_entry_opens_the_first_account_or_the_binding_wizard(app, tenant, user):
    assert tenant.get("/balance/").location == "/accounts/bind"
    first = make_account(app, "100101", user_id=user)
    make_account(app, "100102", premises="2", user_id=user)
    assert tenant.get("/balance/").location == f"/balance/{first}"


def test_the_account_picked_here_is_the_one_the_other_sections_open(app, tenant, user):
    first = make_account(app, "100101", user_id=user)
    second = make_account(app, "100102", premises="2", user_id=user)
    switched = page(tenant.get(f"/balance/{second}"))  # the tenant picks № 100102 in the switch
    assert 'aria-current="page"' in switched
    assert tenant.get("/readings/").location == f"/readings/{second}"  # then «Показания» in the menu
    assert tenant.get("/receipts/").location == f"/receipts/{second}"
    assert f'<option selected value="{second}">' in page(tenant.get("/dispatch/new"))
    tenant.get(f"/readings/{first}")
    assert tenant.get("/balance/").location == f"/balance/{first}"


def test_a_remembered_account_no_longer_bound_is_forgotten(app, tenant, user):
    make_account(app, "100101", user_id=user)
    second = make_account(app, "100102", premises="2", user_id=user)
    tenant.get(f"/balance/{second}")
    with app.app_context():
        db.session.execute(db.delete(AccountBinding).where(AccountBinding.account_id == second))
        db.session.commit()
    first = tenant.get("/balance/").location
    assert first != f"/balance/{second}" and tenant.get(first).status_code == 200


# --- the numbers ------------------------------------------------------------------------------------------------


def test_a_debt_is_red_and_named(app, tenant, account):
    add_history(app, account, date(2025, 1, 1), 2)  # 1881.75 charged and 1000.00 paid each month
    html = text(page(tenant.get(f"/balance/{account}")))
    assert re.search(r'class="text-danger[^"]*" data-test="owed">Задолженность: 1 763,50 ₽', html)


def test_an_overpayment_is_green_and_named(app, tenant, account):
    add_history(app, account, date(2025, 1, 1), 1, payment="2000.00")
    html = text(page(tenant.get(f"/balance/{account}")))
    assert re.search(r'class="text-success[^"]*" data-test="owed">Переплата: 118,25 ₽', html)


@pytest.mark.parametrize(("lang", "owed"), [("ru", "Задолженность: 1 763,50 ₽"), ("en", "₽1,763.50")])
def test_money_is_written_as_each_language_writes_it(app, tenant, account, lang, owed):
    add_history(app, account, date(2025, 1, 1), 2)
    tenant.set_cookie("lang", lang)
    html = text(page(tenant.get(f"/balance/{account}")))
    assert owed in html and "RUB" not in html


@pytest.mark.parametrize(
    ("lang", "amounts"),
    [("ru", ["5 609,70 ₽", "-81,75 ₽", "0,00 ₽"]), ("en", ["₽5,609.70", "-₽81.75", "₽0.00"])],
)
def test_rubles_are_formatted_by_babel_with_the_ruble_sign(app, lang, amounts):
    from kabinet.filters import money

    with app.test_request_context(headers={"Cookie": f"lang={lang}"}):
        written = [money(Decimal(value), "RUB") for value in ("5609.70", "-81.75", "0")]
    assert [text(amount) for amount in written] == amounts


def test_a_settled_account_says_so(app, tenant, account):
    add_history(app, account, date(2025, 1, 1), 1, payment="1881.75")
    html = page(tenant.get(f"/balance/{account}"))
    assert "Задолженности нет" in html and "text-danger" not in html


def test_an_account_without_history(tenant, account):
    html = page(tenant.get(f"/balance/{account}"))
    assert "Начислений и оплат по этому лицевому счету пока нет." in html
    assert "Задолженности нет" in html and 'data-test="chart"' not in html


def test_the_month_table_adds_up_newest_first(app, tenant, user):
    account = make_account(app, "100101", user_id=user, opening_balance=Decimal("100.00"))
    add_history(app, account, date(2025, 1, 1), 3)
    add(app, charge(account, date(2025, 2, 1), "Отопление", "0", "0", "Гкал", "0.00", recalculation="-81.75"))
    html = page(tenant.get(f"/balance/{account}"))
    assert re.findall(r'data-month="([\d-]+)"', html) == ["2025-04", "2025-03", "2025-02", "2025-01"]
    assert month_row(html, "2025-01") == {"opening": "100,00 ₽", "charged": "1 881,75 ₽", "recalculated": "0,00 ₽",
                                          "paid": "0,00 ₽", "closing": "1 981,75 ₽"}  # fmt: skip
    # February: the January payment on the 10th, a recalculation of -81.75
    assert month_row(html, "2025-02") == {"opening": "1 981,75 ₽", "charged": "1 881,75 ₽",
                                          "recalculated": "-81,75 ₽", "paid": "1 000,00 ₽",
                                          "closing": "2 781,75 ₽"}  # fmt: skip
    # April has only the March payment: the closing balance is today's
    assert month_row(html, "2025-04")["closing"] == "2 663,50 ₽"
    assert "Задолженность: 2 663,50 ₽" in text(html)


def test_each_month_opens_to_its_services(app, tenant, account):
    add_history(app, account, date(2025, 1, 1), 1)
    add(app, charge(account, date(2025, 1, 1), "Вывоз ТКО", "12.3456", "2.5", "чел.", "30.86", recalculation="-5.10"))
    html = text(page(tenant.get(f"/balance/{account}")))
    block = re.search(r'data-month="2025-01".*?</details>', html, re.S).group(0)
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r'<tr data-test="service">(.*?)</tr>', block, re.S)]  # fmt: skip
    assert rows == [
        "Содержание жилья 30,50 54,3 м² 1 656,15 ₽ —",
        "Холодное водоснабжение 45,12 5 м³ 225,60 ₽ —",
        "Вывоз ТКО 12,3456 2,5 чел. 30,86 ₽ -5,10 ₽",
    ]


def test_the_payments_with_date_amount_and_source(app, tenant, account):
    add_history(app, account, date(2025, 1, 1), 2)
    add(app, Payment(account_id=account, paid_on=date(2025, 3, 20), amount=Decimal("55.50"), source=""))
    html = text(page(tenant.get(f"/balance/{account}")))
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r'<tr data-test="payment">(.*?)</tr>', html, re.S)]  # fmt: skip
    assert rows == ["20.03.2025 55,50 ₽ —", "10.03.2025 1 000,00 ₽ Сбербанк", "10.02.2025 1 000,00 ₽ Сбербанк"]


def test_a_long_history_opens_on_two_years_and_shows_all_on_request(app, tenant, account):
    add_history(app, account, date(2015, 1, 1), 120)
    recent = page(tenant.get(f"/balance/{account}"))
    assert recent.count('data-test="month"') == 24
    assert re.findall(r'data-month="([\d-]+)"', recent)[0] == "2025-01"  # the last payment, on 10 January 2025
    assert f'href="/balance/{account}?all=1"' in recent and "Показать всю историю" in recent
    assert recent.count('data-test="payment"') == 24  # those of the months shown
    everything = page(tenant.get(f"/balance/{account}?all=1"))
    assert everything.count('data-test="month"') == 121 and "Показать всю историю" not in everything
    assert everything.count('data-test="payment"') == 120
    assert re.findall(r'data-month="([\d-]+)"', everything)[-1] == "2015-01"


@pytest.mark.parametrize("query", ["", "?all=1"])
def test_the_page_runs_as_many_queries_for_ten_years_as_for_one_month(app, tenant, user, query):
    short = make_account(app, "100101", user_id=user)
    add_history(app, short, date(2025, 1, 1), 1)
    long = make_account(app, "100102", premises="2", user_id=user)
    add_history(app, long, date(2015, 1, 1), 120)
    counts = []
    for account in (short, long):
        with queries(app) as counted:
            assert tenant.get(f"/balance/{account}{query}").status_code == 200
        counts.append(counted.count)
    assert counts[0] == counts[1] <= 10


def test_the_account_switch_between_two_accounts(app, tenant, user):
    flat = make_account(app, "100101", user_id=user)
    parking = make_account(app, "100102", premises="П-1", user_id=user)
    add_history(app, parking, date(2025, 1, 1), 1, services=[("Содержание машино-места", "20", "15", "м²", "300.00")])
    html = page(tenant.get(f"/balance/{parking}"))
    assert html.count('data-test="account-switch"') == 2
    assert f'href="/balance/{flat}"' in html
    assert re.search(rf'aria-current="page"\s+href="/balance/{parking}"', html)
    assert "Содержание машино-места" in html and "Лицевой счет № 100102" in html
    assert "Содержание машино-места" not in page(tenant.get(f"/balance/{flat}"))


def test_a_single_account_has_no_switch(app, tenant, account):
    assert 'data-test="account-switch"' not in page(tenant.get(f"/balance/{account}"))


# --- the chart --------------------------------------------------------------------------------------------------


def months(*pairs) -> list[Month]:
    return [Month(date(2025, i + 1, 1), charged=Decimal(c), paid=Decimal(p)) for i, (c, p) in enumerate(pairs)]


def test_bar_heights_are_proportional_to_the_amounts():
    drawn = chart.geometry(months(("2000", "1000"), ("500", "0"), ("1500", "2000")))
    heights = {(bar.month.month, bar.kind): bar.height for bar in drawn.bars}
    assert heights[(1, "charged")] == pytest.approx(2 * heights[(1, "paid")])
    assert heights[(1, "charged")] == pytest.approx(4 * heights[(2, "charged")])
    assert heights[(2, "paid")] == 0
    # the scale tops at 2000: the tallest bar fills the plot, and every bar stands on the baseline
    assert heights[(3, "paid")] == pytest.approx(drawn.baseline - chart.TOP)
    assert all(bar.y + bar.height == pytest.approx(drawn.baseline) for bar in drawn.bars)
    assert [tick.value for tick in drawn.ticks] == [0, 500, 1000, 1500, 2000]


def test_bars_of_a_month_stand_side_by_side_and_months_left_to_right():
    drawn = chart.geometry(months(*[("100", "100")] * 12))
    xs = [bar.x for bar in drawn.bars]
    assert xs == sorted(xs) and len(set(xs)) == 24
    assert all(bar.x + bar.width <= drawn.width for bar in drawn.bars)
    assert [month.month for _, month in drawn.months] == list(range(1, 13))


def test_recalculations_count_in_the_charged_bar_and_a_refund_draws_no_bar_below_the_axis():
    drawn = chart.geometry([Month(date(2025, 1, 1), charged=Decimal("100"), recalculated=Decimal("-300"),
                                  paid=Decimal("50"))])  # fmt: skip
    charged = next(bar for bar in drawn.bars if bar.kind == "charged")
    assert charged.value == Decimal("-200") and charged.height == 0


def test_an_empty_history_has_no_bars():
    drawn = chart.geometry([])
    assert drawn.is_empty and drawn.bars == [] and drawn.ticks == []


@pytest.mark.parametrize(
    ("value", "top"),
    [
        ("0", "1"),
        ("0.4", "1"),
        ("7", "10"),
        ("1881.75", "2000"),
        ("2100", "2500"),
        ("4000", "5000"),
        ("51000", "100000"),
    ],  # fmt: skip
)
def test_the_scale_ends_on_a_round_number(value, top):
    assert chart.nice_ceiling(Decimal(value)) == Decimal(top)


def test_the_page_draws_the_last_twelve_months_with_a_title_and_no_inline_style(app, tenant, account):
    add_history(app, account, date(2024, 1, 1), 18)
    html = page(tenant.get(f"/balance/{account}"))
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert svg.count('data-test="bar-charged"') == 12 and svg.count('data-test="bar-paid"') == 12
    assert "<title" in svg and "Начисления и оплаты по месяцам" in svg
    assert "июнь 2025: начислено 1 881,75 ₽, оплачено 1 000,00 ₽" in text(svg)  # the description reads the figures out
    assert "style=" not in html and "<style" not in html
    assert "/static/css/balance.css" in html
