"""The accountant's imports in the browser (a preview before anything is written, then "Применить") and the export
of a month's readings for the accounting system."""

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from kabinet import messages
from kabinet.extensions import db
from kabinet.imports import services as imports
from kabinet.models import Account, AuditEvent, Meter, Payment, Reading, StoredFile, User
from kabinet.organizations import default_organization
from kabinet.staff.imports import services
from tests.conftest import PASSWORD, make_user, page, shows
from tests.factories import make_account, make_meter, make_staff, other_organization

ADDRESS = "г. Иркутск, ул. Ленина, д. 5"
ACCOUNTS = f"account;address;apartment;owner\n100101;{ADDRESS};1;Сидоров Пётр\n100102;{ADDRESS};2;Кузнецова Анна\n"


def log_in(app, role="accountant", login=None, organization_id=None):
    if organization_id is None:
        make_staff(app, role, login=login)
    else:
        make_user(app, login=login, email=f"{login}@example.org", role=role, organization_id=organization_id)
    client = app.test_client()
    assert client.post("/auth/login", data={"login": login or role, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def accountant(app):
    return log_in(app)


def upload(client, kind, content, name="file.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post("/staff/imports/", data={"kind": kind, "file": (io.BytesIO(data), name)})


def token_in(response) -> str:
    return re.search(r'name="upload" type="hidden" value="([^"]+)"', page(response))[1]


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def uploads(app) -> list[int]:
    """The ids of the uploads kept for «Применить»."""
    with app.app_context():
        query = select(StoredFile.id).where(StoredFile.kind == "import").order_by(StoredFile.id)
        return list(db.session.scalars(query))


# --- the preview and "Применить" --------------------------------------------------------------------------------


def test_the_preview_of_a_good_file_shows_what_will_change_and_writes_nothing(app, accountant):
    make_account(app, "100101", address=ADDRESS)
    before = uploads(app)

    response = upload(accountant, "accounts", ACCOUNTS, "счета октябрь.csv")

    assert response.status_code == 200
    text = page(response)
    assert "счета октябрь.csv" in text
    assert "будет создано: 1" in text and "будет обновлено: 1" in text and "без изменений: 0" in text
    assert "Кузнецова Анна" in text and "Сидоров Пётр" in text  # the first rows of each outcome
    assert "Применить" in text
    assert count(app, Account) == 1
    with app.app_context():
        assert db.session.scalar(select(Account.owner_name)) == "Петров Иван Сергеевич"
    assert count(app, AuditEvent, AuditEvent.action == "import.apply") == 0
    assert len(uploads(app)) == len(before) + 1  # kept for "Применить"


def test_apply_writes_the_file_with_an_audit_row_and_deletes_the_upload(app, accountant):
    make_account(app, "100101", address=ADDRESS)
    token = token_in(upload(accountant, "accounts", ACCOUNTS, "счета.csv"))
    before = uploads(app)

    response = accountant.post("/staff/imports/apply", data={"upload": token}, follow_redirects=True)

    assert "Файл «счета.csv» загружен: создано 1, обновлено 1, без изменений 0." in page(response)
    with app.app_context():
        assert dict(db.session.execute(select(Account.number, Account.owner_name)).all()) == {
            "100101": "Сидоров Пётр",
            "100102": "Кузнецова Анна",
        }
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.apply"))
        assert (event.actor, event.target) == ("accountant", "счета.csv")
        assert event.details == "accounts: создано: 1, обновлено: 1, без изменений: 0"
    assert len(uploads(app)) == len(before) - 1

    again = accountant.post("/staff/imports/apply", data={"upload": token}, follow_redirects=True)
    assert shows(again, messages.IMPORT_UPLOAD_GONE)
    assert count(app, AuditEvent, AuditEvent.action == "import.apply") == 1


def rows_of_table(html: str, name: str) -> list[list[str]]:
    """A preview table's header and rows, as text."""
    table = re.search(rf'data-test="{name}">(.*?)</table>', html, re.S)[1]
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def test_the_preview_speaks_the_company_s_words(app, accountant):
    make_account(app, "100101", address=ADDRESS)
    meters = "account;serial;kind;last_reading;last_reading_date\n100101;ХВ-1;cold_water;12.5;2026-10-25\n"

    html = page(upload(accountant, "meters", meters))

    assert rows_of_table(html, "examples-created") == [
        ["Лицевой счет", "Заводской номер", "Вид счетчика", "Последние показания", "Дата показаний", "Дата поверки"],
        ["100101", "ХВ-1", "ХВС", "12,500", "25.10.2026", "—"],
    ]
    charges = "лицевой счет;период;услуга;тариф;сумма\n100101;2026-10;Содержание жилья;30.5;1656.15\n"
    header, row = rows_of_table(page(upload(accountant, "charges", charges)), "examples-created")
    assert header[:3] == ["Лицевой счет", "Месяц", "Услуга"]
    assert row == ["100101", "10.2026", "Содержание жилья", "30,5000", "—", "—", "1656,15", "—"]


def test_two_identical_payment_lines_are_shown_and_still_import_as_two(app, accountant):
    make_account(app, "100101", address=ADDRESS)
    make_account(app, "100102", address=ADDRESS, premises="2")
    payments = "\n".join([
        "account;date;amount;source",
        "100101;10.10.2026;1000,00;Сбербанк",
        "100102;10.10.2026;1000,00;Сбербанк",
        "100101;10.10.2026;1000,00;Сбербанк",  # the same as line 2
        "100101;10.10.2026;1000,00;Почта",  # another source: another payment
        "100101;10.10.2026;1000;Сбербанк",  # the same as line 2 again, written otherwise
    ])  # fmt: skip

    response = upload(accountant, "payments", payments)

    warning = re.search(r'data-test="repeated">(.*?)</div>', page(response), re.S)[1]
    assert "Одинаковые строки оплат (тот же лицевой счет, дата, сумма и источник): 2." in warning
    assert re.findall(r"<li>(.*?)</li>", warning) == ["строка 4 повторяет строку 2", "строка 6 повторяет строку 2"]
    assert "будет создано: 5" in page(response) and "Применить" in page(response)
    accountant.post("/staff/imports/apply", data={"upload": token_in(response)})
    with app.app_context():
        assert count(app, Payment) == 5


def test_a_payments_file_without_repeats_warns_of_nothing(app, accountant):
    make_account(app, "100101", address=ADDRESS)
    payments = "account;date;amount\n100101;10.10.2026;1000,00\n100101;11.10.2026;1000,00\n"
    assert 'data-test="repeated"' not in page(upload(accountant, "payments", payments))


def test_a_file_that_changes_nothing_offers_no_apply(app, accountant):
    token = token_in(upload(accountant, "accounts", ACCOUNTS))
    accountant.post("/staff/imports/apply", data={"upload": token})

    response = upload(accountant, "accounts", ACCOUNTS)

    assert "без изменений: 2" in page(response) and "Применить" not in page(response)


def test_the_preview_of_a_bad_file_lists_every_bad_row_and_writes_nothing(app, accountant):
    make_account(app, "100101", address=ADDRESS)
    rows = [
        "account;serial;kind;last_reading;last_reading_date",
        "100101;ХВ-1;ХВС;12,5;25.10.2026",  # good
        "999999;ХВ-2;ХВС;1;25.10.2026",  # no such account
        "100101;ГВ-3;пар;1;25.10.2026",  # no such kind
        "100101;ГВ-4;ГВС;много;25.10.2026",  # not a number
        "100101;ГВ-5;ГВС;1;31.02.2026",  # no such date
        "100101;ХВ-1;ХВС;13;26.10.2026",  # the same meter twice
    ]
    before = uploads(app)

    response = upload(accountant, "meters", "\n".join(rows), "счётчики.csv")

    text = page(response)
    assert "ничего не записано" in text and "Применить" not in text
    problems = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td>", text)
    assert problems == [
        ("3", "Лицевой счет"),
        ("4", "Вид счетчика"),
        ("5", "Последние показания"),
        ("6", "Дата показаний"),
        ("7", "—"),
    ]  # the columns as the company's files name them
    assert "лицевой счёт 999999 не найден" in text and "«много» — не число" in text and "повторяет строку 2" in text
    assert count(app, Meter) == 0 and count(app, Reading) == 0
    assert uploads(app) == before  # a file with mistakes cannot be applied, so it is not kept


def test_a_file_missing_a_required_column_says_which(accountant):
    response = upload(accountant, "payments", "account;amount\n100101;100\n")

    assert "в заголовке нет столбцов: «date»" in page(response)


def test_an_xlsx_file_is_previewed_like_a_csv(app, accountant):
    make_account(app, "100101", address=ADDRESS)
    workbook = Workbook()
    workbook.active.append(["Лицевой счёт", "Дата", "Сумма", "Источник"])
    workbook.active.append(["100101", date(2026, 10, 10), 1500.5, "Сбербанк"])
    stream = io.BytesIO()
    workbook.save(stream)

    response = upload(accountant, "payments", stream.getvalue(), "оплаты.xlsx")

    assert "будет создано: 1" in page(response) and "10.10.2026" in page(response)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x00\x01\x02\x03" * 100, "accounts.csv", "Это не таблица CSV или XLSX: файл двоичный."),
        (b"PK\x03\x04 not really a zip", "accounts.xlsx", "Файл XLSX повреждён или это не таблица Excel"),
        (b"%PDF-1.4", "accounts.pdf", "Нужен файл CSV или XLSX."),
        (b"", "accounts.csv", "Файл пуст."),
    ],
)
def test_a_file_of_the_wrong_kind_is_explained_beside_the_field(app, accountant, content, name, message):
    before = uploads(app)

    response = upload(accountant, "accounts", content, name)

    assert response.status_code == 200
    assert 'class="invalid-feedback d-block"' in page(response) and message in page(response)
    assert count(app, Account) == 0
    assert len(uploads(app)) <= len(before) + 1  # at most the file, which then waits only for the daily sweep


def test_the_form_asks_for_the_kind_and_the_file(accountant):
    response = accountant.post("/staff/imports/", data={})

    assert "Выберите, что в файле." in page(response) and "Выберите файл." in page(response)


def test_an_upload_over_the_size_limit_gets_the_413_page(make_app):
    app = make_app(MAX_CONTENT_LENGTH=4096)
    client = log_in(app)

    response = upload(client, "accounts", ACCOUNTS + "1;2;3;4\n" * 1000)

    assert response.status_code == 413 and "Слишком большой файл" in page(response)


def test_a_file_over_the_row_cap_is_explained_beside_the_field_and_previews_nothing(make_app):
    app = make_app(IMPORT_MAX_ROWS=3)
    client = log_in(app)
    rows = "".join(f"{100200 + n};{ADDRESS};{n};Жилец {n}\n" for n in range(10))

    response = upload(client, "accounts", "account;address;apartment;owner\n" + rows)

    html = page(response)
    assert 'class="invalid-feedback d-block"' in html and "Файл слишком большой: в нём больше 3 строк" in html
    assert 'name="upload"' not in html and count(app, Account) == 0  # nothing to apply


def test_the_caps_hold_at_apply_as_at_the_preview(make_app):
    app = make_app(IMPORT_MAX_ROWS=10)
    client = log_in(app)
    token = token_in(upload(client, "accounts", ACCOUNTS + f"100103;{ADDRESS};3;Орлов Олег\n"))
    app.config["IMPORT_MAX_ROWS"] = 2  # lowered between the preview and "Применить"

    response = client.post("/staff/imports/apply", data={"upload": token}, follow_redirects=True)

    assert "Файл не загружен, ничего не изменено: Файл слишком большой: в нём больше 2 строк" in page(response)
    assert count(app, Account) == 0


def test_another_staff_users_upload_cannot_be_applied(app, accountant):
    token = token_in(upload(accountant, "accounts", ACCOUNTS))
    colleague = log_in(app, login="colleague")

    for forged in (token, token[:-2] + "xx", "", "../../etc/passwd"):
        response = colleague.post("/staff/imports/apply", data={"upload": forged}, follow_redirects=True)
        assert shows(response, messages.IMPORT_UPLOAD_GONE)
    assert count(app, Account) == 0
    assert accountant.post("/staff/imports/apply", data={"upload": token}).status_code == 302
    assert count(app, Account) == 2


def test_an_upload_previewed_before_the_uploaders_rights_changed_is_not_applied(app, accountant):
    """The preview is the proof of «Применить»: the admin took the accountant's role away and gave it back meanwhile
    (or blocked and unblocked them), so the upload must be previewed again by the person as they are now."""
    token = token_in(upload(accountant, "accounts", ACCOUNTS))
    director = log_in(app, "admin", login="director")
    with app.app_context():
        uploader = db.session.scalar(select(User.id).where(User.login == "accountant"))
    director.post(f"/staff/team/{uploader}/role", data={"role": "dispatcher"})
    director.post(f"/staff/team/{uploader}/role", data={"role": "accountant"})
    response = accountant.post("/staff/imports/apply", data={"upload": token}, follow_redirects=True)
    assert shows(response, messages.IMPORT_UPLOAD_GONE)
    assert count(app, Account) == 0


def test_two_applies_of_one_upload_at_once_import_it_once(app, accountant):
    """A double click, or a second tab, during a long import: both requests found the file; one applies it."""
    token = token_in(upload(accountant, "accounts", ACCOUNTS))
    with app.test_request_context():
        uploader = db.session.scalar(select(User).where(User.login == "accountant"))
        first, second = services.find(token, uploader), services.find(token, uploader)
        assert first is not None and second is not None
        services.apply(first, default_organization())
        with pytest.raises(services.Gone):
            services.apply(second, default_organization())
    assert count(app, Account) == 2
    assert uploads(app) == []  # neither the file nor a claimed leftover stays behind


def test_an_upload_refers_to_this_organizations_accounts_only(app):
    organization_id = other_organization(app, number="200101")
    make_account(app, "100101", address=ADDRESS)
    client = log_in(app, login="klen", organization_id=organization_id)

    response = upload(client, "charges", "account;month;service;amount\n100101;2026-10;Содержание;100\n")

    assert "лицевой счёт 100101 не найден" in page(response)


def test_the_command_lines_import_and_the_preview_agree(app):
    path = Path(__file__).resolve().parents[1] / "docs" / "samples" / "accounts.csv"
    with app.app_context():
        previewed = imports.preview("accounts", path, default_organization())
        assert db.session.scalar(select(func.count()).select_from(Account)) == 0
        applied = imports.run("accounts", path, default_organization())
    assert (previewed.created, previewed.updated) == (applied.created, applied.updated) == (4, 0)


# --- the export of a month's readings ---------------------------------------------------------------------------


@pytest.fixture
def readings(app):
    """Two meters with October's readings (one read twice), one with September's only, another company's meter."""
    account = make_account(app, "100101", address=ADDRESS)
    october = [(date(2026, 9, 25), "10.000"), (date(2026, 10, 5), "11.500"), (date(2026, 10, 25), "12.345")]
    make_meter(app, account, "ХВ-1", "cold_water", date(2029, 3, 1), october)
    make_meter(app, account, "Э-7", "electricity", None, [(date(2026, 10, 20), "4410")])
    make_meter(app, account, "ГВ-2", "hot_water", None, [(date(2026, 9, 20), "5")])
    other = other_organization(app, number="200101")
    with app.app_context():
        theirs = db.session.scalar(select(Account.id).where(Account.organization_id == other))
    make_meter(app, theirs, "ЧУЖОЙ-1", "gas", None, [(date(2026, 10, 10), "77")])
    return other


HEADER = ["account", "serial", "kind", "last_reading", "last_reading_date", "verification_due", "replaced_on"]


def export(client, month="2026-10", format="csv-utf8"):
    return client.get("/staff/imports/readings-export", query_string={"month": month, "format": format})


def rows_of(response, format):
    """The exported file as rows of text, read back the way the accounting system would."""
    if format == "xlsx":
        sheet = load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    encoding = "utf-8-sig" if format == "csv-utf8" else "cp1251"
    return list(csv.reader(io.StringIO(response.data.decode(encoding)), delimiter=";"))


def test_the_export_holds_each_meters_last_reading_of_the_month_in_the_columns_of_the_import(app, accountant, readings):
    response = export(accountant)

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="readings-2026-10.csv"'
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    assert rows_of(response, "csv-utf8") == [
        HEADER,
        ["100101", "ХВ-1", "cold_water", "12,345", "25.10.2026", "01.03.2029", ""],
        ["100101", "Э-7", "electricity", "4410,000", "20.10.2026", "", ""],
    ]
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "readings.export"))
        assert (event.actor, event.target, event.details) == ("accountant", "2026-10", "csv-utf8: 2")


@pytest.mark.parametrize("format", ["csv-utf8", "xlsx"])
def test_a_meter_replaced_in_the_month_is_marked_with_the_day(app, accountant, readings, format):
    account = make_account(app, "100102", address=ADDRESS, premises="2")
    make_meter(app, account, "ХВ-OLD", "cold_water", None, [(date(2026, 9, 20), "5"), (date(2026, 10, 14), "8.5")])
    replacer = log_in(app, "admin")
    with app.app_context():
        old = db.session.scalar(select(Meter.id).where(Meter.serial == "ХВ-OLD"))
    replacement = {"replaced_on": "2026-10-14", "final_value": "8,5", "serial": "ХВ-NEW", "kind": "cold_water",
                   "initial_value": "0"}  # fmt: skip
    assert replacer.post(f"/staff/accounts/{account}/meters/{old}/replace", data=replacement).status_code == 302

    exported = rows_of(export(accountant, format=format), format)[1:]
    rows = {row[1]: dict(zip(HEADER, row, strict=False)) for row in exported}  # XLSX rows end at their last value

    old_row = rows["ХВ-OLD"]
    assert (old_row["last_reading"], old_row["last_reading_date"]) in [("8,500", "14.10.2026"),
                                                                       (8.5, datetime(2026, 10, 14))]  # fmt: skip
    assert old_row["replaced_on"] in ("14.10.2026", datetime(2026, 10, 14))  # and the day it was replaced
    assert rows["ХВ-NEW"].get("replaced_on") in ("", None) and rows["ХВ-1"].get("replaced_on") in ("", None)
    assert export(accountant, month="2026-11").data.decode("utf-8-sig").count("ХВ-OLD") == 0


def test_the_export_in_cp1251_and_xlsx_reads_back_the_same(accountant, readings):
    cp1251 = export(accountant, format="csv-cp1251")
    xlsx = export(accountant, format="xlsx")

    assert cp1251.headers["Content-Type"] == "text/csv; charset=windows-1251"
    first = ["100101", "ХВ-1", "cold_water", "12,345", "25.10.2026", "01.03.2029", ""]
    assert rows_of(cp1251, "csv-cp1251")[1] == first
    assert xlsx.headers["Content-Disposition"] == 'attachment; filename="readings-2026-10.xlsx"'
    header, *rows = rows_of(xlsx, "xlsx")
    assert header == HEADER
    assert [row[:4] for row in rows] == [
        ["100101", "ХВ-1", "cold_water", 12.345],
        ["100101", "Э-7", "electricity", 4410],
    ]
    assert rows[0][4].date() == date(2026, 10, 25) and rows[0][5].date() == date(2029, 3, 1)


@pytest.mark.parametrize("format", ["csv-utf8", "csv-cp1251", "xlsx"])
def test_the_exported_file_imports_back_without_changes(app, accountant, readings, tmp_path, format):
    path = tmp_path / ("readings.xlsx" if format == "xlsx" else "readings.csv")
    path.write_bytes(export(accountant, format=format).data)

    with app.app_context():
        report = imports.preview("meters", path, default_organization())

    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)


@pytest.mark.parametrize("format", ["csv-utf8", "csv-cp1251", "xlsx"])
def test_cells_that_a_spreadsheet_would_run_as_formulas_come_out_as_text(app, accountant, format):
    account = make_account(app, "=1+1", address=ADDRESS)
    dangerous = ['=HYPERLINK("http://evil";"x")', "+79", "-2", "@SUM(A1)", "\t=1"]
    for serial in dangerous:
        make_meter(app, account, serial, "gas", None, [(date(2026, 10, 1), "1")])

    rows = rows_of(export(accountant, format=format), format)[1:]

    assert {row[0] for row in rows} == {"'=1+1"}
    assert sorted(row[1] for row in rows) == sorted(f"'{serial}" for serial in dangerous)
    if format == "xlsx":
        sheet = load_workbook(io.BytesIO(export(accountant, format=format).data)).worksheets[0]
        assert {cell.data_type for row in sheet.iter_rows(min_row=2, max_col=2) for cell in row} == {"s"}


def test_another_organizations_readings_are_never_exported(app, readings):
    theirs = log_in(app, login="klen", organization_id=readings)

    for format in ("csv-utf8", "csv-cp1251", "xlsx"):
        rows = rows_of(export(theirs, format=format), format)
        assert [row[:2] for row in rows[1:]] == [["200101", "ЧУЖОЙ-1"]]


def test_a_month_without_readings_gives_just_the_header(accountant, readings):
    assert rows_of(export(accountant, month="2025-01"), "csv-utf8") == [
        HEADER
    ]


@pytest.mark.parametrize(
    ("month", "format", "message", "status"),
    [
        ("", "csv-utf8", "Укажите месяц.", 200),
        ("2026-13", "csv-utf8", "Укажите месяц в виде ГГГГ-ММ", 400),  # a month that cannot be read: a bad request
        ("октябрь", "xlsx", "Укажите месяц в виде ГГГГ-ММ", 400),
        ("0999-10", "csv-utf8", "Укажите дату с 1900 по 2100 год.", 400),
        ("2026-10", "pdf", "Выберите формат из списка.", 200),
    ],
)
def test_a_bad_export_request_is_explained_beside_the_field_with_the_input_kept(
    accountant, month, format, message, status
):
    response = export(accountant, month=month, format=format)

    assert response.status_code == status and response.mimetype == "text/html"
    assert message in page(response) and f'value="{month}"' in page(response)


# --- who may ----------------------------------------------------------------------------------------------------

ROUTES = [
    ("get", "/staff/imports/"),
    ("post", "/staff/imports/"),
    ("post", "/staff/imports/apply"),
    ("get", "/staff/imports/readings-export?month=2026-10&format=xlsx"),
]


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_only_the_accountant_and_the_admin_may(app, method, url):
    make_user(app, login="tenant", email="tenant@example.org")
    expected = {"accountant": (200, 302), "admin": (200, 302), "dispatcher": (403,), "tenant": (404,)}
    for who, statuses in expected.items():
        client = app.test_client()
        if who == "tenant":
            client.post("/auth/login", data={"login": "tenant", "password": PASSWORD})
        else:
            client = log_in(app, who)
        assert getattr(client, method)(url).status_code in statuses, who
    anonymous = getattr(app.test_client(), method)(url)
    assert anonymous.status_code == 302 and anonymous.location.startswith("/auth/login")


def test_nothing_is_exported_to_a_dispatcher(app, readings):
    response = export(log_in(app, "dispatcher"))

    assert response.status_code == 403 and "ХВ-1" not in page(response)
    assert count(app, AuditEvent, AuditEvent.action == "readings.export") == 0
