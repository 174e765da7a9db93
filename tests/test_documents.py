"""«Документы»: staff publish PDFs to the tenants of all houses or of one; tenants list, filter and open them; the
tenants are e-mailed once; the cabinet home shows the newest; the dashboard reminds of the chairman's reports."""

import re
from datetime import date
from io import BytesIO
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from kabinet import messages
from kabinet.clock import utcnow
from kabinet.documents.services import disposition
from kabinet.extensions import db
from kabinet.models import Building, Document, Organization, OutboxMessage, StoredFile, User
from kabinet.organizations import default_organization
from kabinet.staff.documents import reports, services
from tests.conftest import audited, links_in, logged_in, make_user, page, shows, text_of
from tests.factories import make_account, make_staff, other_organization
from tests.test_staff_content import LENINA, SADOVAYA, tenant_of

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
NAME = "Отчёт председателя за октябрь.pdf"


@pytest.fixture
def houses(app):
    """ivan in Ленина 5, olga in Садовая 9, both of the default organization; an admin to publish."""
    tenant_of(app, "ivan", "100101")
    tenant_of(app, "olga", "300101", address=SADOVAYA)
    make_staff(app, "admin")


def building_id(app, address) -> int:
    with app.app_context():
        return db.session.scalar(select(Building.id).where(Building.address == address))


def document_form(**changes) -> dict:
    form = {"title": "Отчёт за октябрь", "kind": "report", "issued_on": "2026-11-10", "period": "2026-10",
            "building": "", "file": (BytesIO(PDF), NAME)}  # fmt: skip
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def publish(client, **changes):
    return client.post("/staff/documents/new", data=document_form(**changes), content_type="multipart/form-data")


def documents(app) -> list[Document]:
    with app.app_context():
        found = db.session.scalars(select(Document).order_by(Document.id)).all()
        db.session.expunge_all()
        return found


def listed(response) -> list[str]:
    """The titles the tenant's list shows, in order."""
    return re.findall(r'data-test="document" data-id="\d+">\s*<a[^>]*>([^<]+)</a>', page(response))


# --- the staff publish ------------------------------------------------------------------------------------------


def test_the_admin_publishes_a_pdf_the_tenants_open_under_its_own_name(app, houses):
    admin = logged_in(app, "admin")
    assert "Новый документ" in page(admin.get("/staff/documents/"))
    response = publish(admin)
    assert response.status_code == 302
    assert shows(admin.get("/staff/documents/"), messages.STAFF_DOCUMENT_PUBLISHED.text % {"title": "Отчёт за октябрь",
                                                                                            "count": 2})  # fmt: skip
    [document] = documents(app)
    assert (document.kind, document.period, document.building_id, document.issued_on) == (
        "report", "2026-10", None, date(2026, 11, 10))  # fmt: skip

    opened = logged_in(app, "ivan").get(f"/documents/{document.id}")
    assert opened.status_code == 200 and opened.data == PDF and opened.mimetype == "application/pdf"
    assert f"filename*=UTF-8''{quote(NAME, safe='')}" in opened.headers["Content-Disposition"]
    assert opened.headers["X-Content-Type-Options"] == "nosniff"
    assert [event.target for event in audited(app, "document.publish")] == [f"documents:{document.id}"]


def test_an_accountant_may_publish_too(app, houses):
    make_staff(app, "accountant")
    assert publish(logged_in(app, "accountant")).status_code == 302
    assert len(documents(app)) == 1


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"file": (BytesIO(b"<html>not a pdf</html>"), "report.pdf")}, "file", "Это не файл PDF"),
        ({"file": (BytesIO(b"PK\x03\x04 a zip"), "отчёт.pdf")}, "file", "Это не файл PDF"),
        ({"file": (BytesIO(PDF + b"0" * 1024 * 1024), "big.pdf")}, "file", "Файл больше 1 МБ"),
        ({"file": None}, "file", "Выберите файл PDF."),
        ({"title": "  "}, "title", "Укажите название документа."),
        ({"title": "Т" * 201}, "title", "Не длиннее 200 символов."),
        ({"kind": "secret"}, "kind", "Выберите вид документа."),
        ({"period": ""}, "period", "Укажите месяц отчёта"),
        ({"period": "октябрь"}, "period", "Укажите месяц отчёта"),
        ({"period": "2026-13"}, "period", "Укажите месяц отчёта"),
        ({"issued_on": "31.02.2026"}, "issued_on", "Укажите дату документа, например"),
        ({"issued_on": "0001-01-01"}, "issued_on", "Укажите дату с 1900 по 2100 год."),
        ({"building": "999999"}, "building", "Выберите дом из списка."),
    ],
)
def test_a_bad_upload_is_explained_beside_the_field_and_what_was_typed_is_kept(make_app, changes, field, error):
    app = make_app(DOCUMENT_MAX_MB=1)
    make_account(app)
    make_staff(app, "admin")
    response = publish(logged_in(app, "admin"), title=changes.pop("title", "Отчёт «Тишина» за октябрь"), **changes)
    html = page(response)
    assert response.status_code in (200, 400)
    assert re.search(rf'id="{field}-errors"[^>]*>\s*<div>[^<]*{re.escape(error)}', html), html
    if field != "title":
        assert 'value="Отчёт «Тишина» за октябрь"' in html
    assert documents(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count(StoredFile.id))) == 0


def test_a_good_file_refused_with_another_field_is_asked_for_again(app, houses):
    html = page(publish(logged_in(app, "admin"), title=""))
    assert "Файл подходит, но браузер не сохраняет его в форме" in html and 'value="2026-10"' in html


def test_a_building_of_another_organization_cannot_be_chosen(app, houses):
    other_organization(app)
    theirs = building_id(app, "г. Иркутск, ул. Кленовая, д. 2")
    html = page(publish(logged_in(app, "admin"), building=str(theirs)))
    assert "Выберите дом из списка." in html and documents(app) == []


def test_the_staff_change_the_description_and_withdraw_the_document(app, houses):
    admin = logged_in(app, "admin")
    publish(admin)
    [document] = documents(app)
    edit = page(admin.get(f"/staff/documents/{document.id}"))
    assert 'value="Отчёт за октябрь"' in edit and NAME in edit
    described = {"title": "Тарифы на 2027 год", "kind": "tariff", "issued_on": "01.12.2026", "period": "2026-10"}
    response = admin.post(f"/staff/documents/{document.id}", data=described)
    assert response.status_code == 302
    [changed] = documents(app)
    assert (changed.title, changed.kind, changed.issued_on, changed.period) == (
        "Тарифы на 2027 год", "tariff", date(2026, 12, 1), None)  # fmt: skip
    response = admin.post(f"/staff/documents/{document.id}", data={"title": "", "kind": "tariff",
                                                                  "issued_on": "2026-12-01"})  # fmt: skip
    assert "Укажите название документа." in page(response) and documents(app)[0].title == "Тарифы на 2027 год"

    tenant = logged_in(app, "ivan")
    assert tenant.get(f"/documents/{document.id}").status_code == 200
    response = admin.post(f"/staff/documents/{document.id}/delete", follow_redirects=True)
    assert shows(response, messages.STAFF_DOCUMENT_WITHDRAWN.text % {"title": "Тарифы на 2027 год"})
    assert documents(app) == [] and tenant.get(f"/documents/{document.id}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(StoredFile.id))) == 0
    actions = [event.action for event in audited(app, "document.update") + audited(app, "document.delete")]
    assert actions == ["document.update", "document.delete"]


def test_the_staff_of_another_organization_find_nothing(app, houses):
    publish(logged_in(app, "admin"))
    [document] = documents(app)
    with app.app_context():
        klen = Organization(name="КСК «Береке»")
        db.session.add(klen)
        db.session.commit()
        klen_id = klen.id
    make_user(app, login="klenadmin", email="a@klen.example.org", role="admin", organization_id=klen_id)
    them = logged_in(app, "klenadmin")
    for url in [f"/staff/documents/{document.id}", f"/staff/documents/{document.id}/file"]:
        assert them.get(url).status_code == 404, url
    assert them.post(f"/staff/documents/{document.id}/delete").status_code == 404
    assert "Отчёт за октябрь" not in page(them.get("/staff/documents/")) and len(documents(app)) == 1


# --- the tenants read -------------------------------------------------------------------------------------------


def test_tenants_see_the_documents_for_all_and_for_their_building_newest_first_by_kind(app, houses):
    admin = logged_in(app, "admin")
    publish(admin, title="Для всех", issued_on="2026-10-01", kind="protocol")
    publish(admin, title="Только Ленина", issued_on="2026-11-01", kind="tariff",
            building=str(building_id(app, LENINA)))  # fmt: skip
    publish(admin, title="Только Садовая", issued_on="2026-11-02", kind="tariff",
            building=str(building_id(app, SADOVAYA)))  # fmt: skip
    ivan, olga = logged_in(app, "ivan"), logged_in(app, "olga")
    assert listed(ivan.get("/documents/")) == ["Только Ленина", "Для всех"]
    assert listed(olga.get("/documents/")) == ["Только Садовая", "Для всех"]
    assert listed(ivan.get("/documents/?kind=tariff")) == ["Только Ленина"]
    assert listed(ivan.get("/documents/?kind=nonsense")) == ["Только Ленина", "Для всех"]
    sadovaya = next(d.id for d in documents(app) if d.title == "Только Садовая")
    assert ivan.get(f"/documents/{sadovaya}").status_code == 404
    assert olga.get(f"/documents/{sadovaya}").status_code == 200
    menu = re.search(r'data-test="cabinet-menu">.*?</nav>', page(ivan.get("/documents/")), re.S).group(0)
    assert re.search(r'aria-current="page">Документы<', menu)


def test_another_organizations_tenant_and_a_tenant_without_accounts_get_not_found(app, houses):
    publish(logged_in(app, "admin"))
    [document] = documents(app)
    other_organization(app, user_id=make_user(app, login="klen", email="klen@example.org"))
    make_user(app, login="nobody", email="nobody@example.org")
    for login in ("klen", "nobody"):
        client = logged_in(app, login)
        assert client.get(f"/documents/{document.id}").status_code == 404, login
        assert listed(client.get("/documents/")) == [], login
        assert 'data-test="latest-document"' not in page(client.get("/cabinet/")), login


def test_a_visitor_is_sent_to_the_login_page_and_back(app, houses):
    publish(logged_in(app, "admin"))
    [document] = documents(app)
    for url in ["/documents/", f"/documents/{document.id}"]:
        response = app.test_client().get(url)
        assert response.status_code == 302 and response.location.startswith("/auth/login"), url
        assert quote(url, safe="") in response.location


def test_the_cabinet_home_shows_the_newest_document(app, houses):
    ivan = logged_in(app, "ivan")
    assert 'data-test="latest-document"' not in page(ivan.get("/cabinet/"))
    admin = logged_in(app, "admin")
    publish(admin, title="Протокол собрания", kind="protocol", issued_on="2026-09-15")
    publish(admin, title="Старый договор", kind="contract", issued_on="2025-01-01")
    card = re.search(r'data-test="latest-document".*?</section>', page(ivan.get("/cabinet/")), re.S).group(0)
    assert "Протокол собрания" in card and "Протокол" in card and "15.09.2026" in card
    assert "Старый договор" not in card and 'href="/documents/"' in card


@pytest.mark.parametrize(
    ("name", "ascii_name"),
    [
        ("Отчёт за октябрь.pdf", "document-7.pdf"),
        ("report 2026.pdf", "report 2026.pdf"),
        ('a"b\r\n.pdf', "ab.pdf"),
    ],  # fmt: skip
)
def test_the_file_name_is_kept_for_every_browser(name, ascii_name):
    header = disposition(name, "document-7.pdf")
    assert header.startswith(f'inline; filename="{ascii_name}"; ')
    assert header.endswith(f"filename*=UTF-8''{quote(name, safe='')}") and "\n" not in header


# --- the tenants are notified -----------------------------------------------------------------------------------


def test_the_tenants_of_the_building_are_emailed_once_with_a_link_to_the_document(app, houses, mailbox, deliver):
    tenant_of(app, "masha", "100102", confirmed=False)
    tenant_of(app, "boris", "100103", blocked_at=utcnow())
    other_organization(app, user_id=make_user(app, login="klen", email="klen@example.org"))
    admin = logged_in(app, "admin")
    publish(admin, title="Смета на ремонт крыши", kind="other", building=str(building_id(app, LENINA)))
    [document] = documents(app)
    admin.post(f"/staff/documents/{document.id}", data={"title": "Смета", "kind": "other", "issued_on": "2026-11-10"})
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
    deliver()
    assert [m["To"] for m in mailbox.messages] == ["ivan@example.org"]
    email = mailbox.last("ivan@example.org")
    assert "Смета на ремонт крыши" in email["Subject"] and "Смета на ремонт крыши" in text_of(email)
    link, unsubscribe = links_in(email)  # a notification: its footer has the one-click unsubscribe (issue 13)
    assert link.endswith(f"/documents/{document.id}") and "/notifications/unsubscribe/" in unsubscribe


def test_the_document_and_its_emails_are_written_together_or_not_at_all(app, houses, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr("kabinet.outbox.queue", broken)
    with app.app_context():
        organization, admin = default_organization(), db.session.scalar(select(User).where(User.login == "admin"))
        with pytest.raises(RuntimeError):
            services.publish(organization, admin, content=PDF, name=NAME, title="Т", kind="other",
                             issued_on=date(2026, 11, 1), period=None, building_id=None)  # fmt: skip
        db.session.rollback()
    assert documents(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count(StoredFile.id))) == 0


def test_a_document_nobody_would_receive_is_published_all_the_same(app):
    make_account(app)
    make_staff(app, "admin")
    response = publish(logged_in(app, "admin"))
    assert response.status_code == 302 and len(documents(app)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


# --- the chairman's reports -------------------------------------------------------------------------------------


def a_document(organization_id, day, **fields) -> Document:
    file = StoredFile(kind="document", name="r.pdf", content_type="application/pdf", size=5, sha256="0", data=PDF[:5])
    return Document(organization_id=organization_id, file=file, title="Отчёт", issued_on=day, **fields)


@pytest.mark.parametrize(
    ("today", "published", "owed"),
    [
        (date(2026, 11, 1), ["2025"], [("2026-10", date(2026, 11, 20), False)]),
        (date(2026, 11, 19), ["2025"], [("2026-10", date(2026, 11, 20), False)]),
        (date(2026, 11, 20), ["2025"], [("2026-10", date(2026, 11, 20), False)]),
        (date(2026, 11, 21), ["2025"], [("2026-10", date(2026, 11, 20), True)]),
        (date(2026, 11, 30), ["2025"], [("2026-10", date(2026, 11, 20), True)]),
        (date(2026, 11, 21), ["2026-10", "2025"], []),
        (date(2026, 11, 10), ["2026-09"], [("2026-10", date(2026, 11, 20), False), ("2025", date(2026, 3, 31), True)]),
        (date(2026, 1, 1), [], [("2025-12", date(2026, 1, 20), False), ("2025", date(2026, 3, 31), False)]),
        (date(2027, 1, 20), ["2025"], [("2026-12", date(2027, 1, 20), False), ("2026", date(2027, 3, 31), False)]),
        (date(2027, 4, 1), ["2027-03"], [("2026", date(2027, 3, 31), True)]),
        (date(2027, 3, 5), ["2027-02", "2026"], []),
    ],
)
def test_the_reports_owed_around_their_deadlines(app, today, published, owed):
    with app.app_context():
        organization = default_organization()
        organization.country = "KZ"
        for period in published:
            db.session.add(a_document(organization.id, today, kind="report", period=period))
        db.session.add(a_document(organization.id, today, kind="other", period=None))  # not a report: owes nothing
        db.session.commit()
        due = reports.report_due(organization, today)
    assert [(report.period, report.deadline, report.overdue(today)) for report in due] == owed


def in_kazakhstan(app) -> None:
    with app.app_context():
        default_organization().country = "KZ"
        db.session.commit()


def test_the_dashboard_reminds_and_links_to_the_form_filled_in(app, houses, monkeypatch):
    monkeypatch.setattr("kabinet.staff.views.local_today", lambda: date(2026, 11, 21))
    in_kazakhstan(app)
    admin = logged_in(app, "admin")
    lines = re.findall(r'data-test="report-due">(.*?)</p>', page(admin.get("/staff/")), re.S)
    assert len(lines) == 2
    assert "Отчёт за октябрь 2026 не опубликован — срок 20 ноября" in lines[0] and "срок прошёл" in lines[0]
    assert "Годовой отчёт за 2025 год не опубликован — срок 31 марта" in lines[1] and "срок прошёл" in lines[1]
    link = re.search(r'href="([^"]+)"', lines[0]).group(1).replace("&amp;", "&")
    assert link == "/staff/documents/new?kind=report&period=2026-10"
    form = page(admin.get(link))
    assert re.search(r'checked[^>]*value="report"|value="report"[^>]*checked', form) and 'value="2026-10"' in form

    publish(admin, period="2026-10")
    lines = re.findall(r'data-test="report-due">(.*?)</p>', page(admin.get("/staff/")), re.S)
    assert len(lines) == 1 and "Годовой" in lines[0]
    make_staff(app, "dispatcher")
    assert 'data-test="report-due"' not in page(logged_in(app, "dispatcher").get("/staff/"))


def test_a_russian_organization_is_not_reminded_of_reports_its_law_does_not_ask_for(app, houses, monkeypatch):
    monkeypatch.setattr("kabinet.staff.views.local_today", lambda: date(2026, 11, 21))
    assert 'data-test="report-due"' not in page(logged_in(app, "admin").get("/staff/"))
    in_kazakhstan(app)
    assert 'data-test="report-due"' in page(logged_in(app, "admin").get("/staff/"))
