"""The tenants' ratings: a scale with words where a mark is asked or shown, the staff's view of a done request's
rating, and the dashboard's summary."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.models import DispatchRequest, Executor
from kabinet.organizations import default_organization
from kabinet.staff.dispatch import ratings
from tests import test_staff_dispatch as staff
from tests.conftest import logged_in, page
from tests.factories import make_account, other_organization
from tests.test_dispatch import change_status, file_request

dispatcher, file = staff.dispatcher, staff.file
WORDS = ["5 — Отлично", "4 — Хорошо", "3 — Удовлетворительно", "2 — Плохо", "1 — Очень плохо"]


@pytest.fixture
def done(app, user):
    """Ivan's request, done: its number."""
    number = file_request(app, user, make_account(app, "100101", user_id=user))
    change_status(app, number, "done", "Заменили прокладку")
    return number


def test_the_tenant_rates_on_a_scale_with_words_and_sees_the_word(app, done):
    tenant = logged_in(app, "ivan")
    shown = page(tenant.get(f"/dispatch/{done}"))
    assert re.findall(r'<label class="form-check-label" for="rating-\d">([^<]+)</label>', shown) == WORDS
    rated = page(tenant.post(f"/dispatch/{done}/rate", data={"rating": "1", "comment": "Грязь"}, follow_redirects=True))
    assert "Ваша оценка: <span" in rated and "1 из 5 — «Очень плохо»" in rated
    assert "Оценка: <span" in rated  # its line in the history


def test_staff_see_the_rating_with_its_word_and_comment_on_the_done_request(app, dispatcher, done):
    assert "Житель ещё не оценил работу." in page(dispatcher.get(f"/staff/dispatch/{done}"))
    logged_in(app, "ivan").post(f"/dispatch/{done}/rate", data={"rating": "4", "comment": "Быстро, но <наследили>"})

    shown = page(dispatcher.get(f"/staff/dispatch/{done}"))

    block = shown.split('data-test="rating"')[1].split("</section>")[0]
    assert "Оценка жителя" in block and "4 из 5 — «Хорошо»" in block and "Быстро, но &lt;наследили&gt;" in block
    assert shown.count("4 из 5 — «Хорошо»") == 2  # and in the history


def rated(app, mark, *, executor=None, days_ago=1, organization_id=None) -> int:
    """A done request rated `mark` `days_ago` days ago, given to the executor named (created if new)."""
    number = file(app, status="done", organization_id=organization_id)
    with app.app_context():
        filed = db.session.get(DispatchRequest, number)
        if executor:
            found = db.session.scalar(db.select(Executor).filter_by(name=executor))
            found = found or Executor(organization_id=filed.organization_id, name=executor)
            db.session.add(found)
            db.session.flush()
            filed.executor_id = found.id
        filed.rating, filed.rated_at = mark, utcnow() - timedelta(days=days_ago)
        db.session.commit()
    return number


@pytest.fixture
def marks(app):
    """Five ratings of the organization, four of them within 30 days; and one of another organization."""
    rated(app, 5, executor="Сантехник Петров")
    rated(app, 4, executor="Сантехник Петров", days_ago=29)
    rated(app, 2, executor="Электрик Сидоров")
    rated(app, 3)  # nobody was assigned
    rated(app, 1, executor="Электрик Сидоров", days_ago=40)
    rated(app, 1, organization_id=other_organization(app))


def test_the_summary_of_a_known_set_of_ratings(app, marks):
    with app.app_context():
        summary = ratings.summary(default_organization(), utcnow())
    assert summary.all_time == ratings.Marks(5, Decimal("3.0"))
    assert summary.recent == ratings.Marks(4, Decimal("3.5"))
    assert summary.recent_by_mark == {5: 1, 4: 1, 3: 1, 2: 1, 1: 0}
    assert summary.recent_by_executor == [
        ("Сантехник Петров", ratings.Marks(2, Decimal("4.5"))),
        ("Электрик Сидоров", ratings.Marks(1, Decimal("2.0"))),
    ]


def test_the_dashboard_shows_the_ratings_with_their_words(app, dispatcher, marks):
    shown = page(dispatcher.get("/staff/"))
    block = shown.split('data-test="ratings"')[1].split("</section>")[0]
    assert "Оценки жителей" in block
    assert re.search(r'<span class="fs-3">3,5</span>\s*из 5 за 30 дней, оценок: 4', block)
    assert "За всё время: 3,0 из 5, оценок: 5" in block
    assert "5 из 5 — «Отлично»" in block and "1 из 5 — «Очень плохо»" in block
    assert re.search(r"<td>Сантехник Петров</td><td[^>]*>4,5</td><td[^>]*>2</td>", block)


def test_the_dashboard_without_ratings_says_so(app, dispatcher):
    assert "Жители ещё не оценивали выполненные заявки." in page(dispatcher.get("/staff/"))
