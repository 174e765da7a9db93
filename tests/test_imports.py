"""Importing the company's accounts, meters, charges and payments from CSV (1C) and XLSX."""

import itertools
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from kabinet.accounts import codewords
from kabinet.extensions import db
from kabinet.imports import reader, services
from kabinet.imports.reader import FileProblem
from kabinet.models import Account, Building, Charge, Meter, Payment, Reading
from kabinet.organizations import default_organization

SAMPLES = Path(__file__).resolve().parents[1] / "docs" / "samples"


@pytest.fixture
def run_import(app):
    """Import a file inside the app, as `flask import KIND FILE` does."""

    def run(kind, path):
        with app.app_context():
            return services.run(kind, path, default_organization())

    return run


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_sample_files_import_and_a_second_import_changes_nothing(app, run_import):
    for kind in ("accounts", "meters", "charges", "payments"):
        report = run_import(kind, SAMPLES / f"{kind}.csv")
        assert report.created > 0 and report.updated == 0
    assert (count(app, Account), count(app, Meter), count(app, Charge), count(app, Payment)) == (4, 5, 4, 3)
    assert count(app, Building) == 2
    for kind in ("accounts", "meters", "charges", "payments"):
        again = run_import(kind, SAMPLES / f"{kind}.csv")
        assert (again.created, again.updated) == (0, 0) and again.unchanged > 0
    assert (count(app, Account), count(app, Meter), count(app, Charge), count(app, Payment)) == (4, 5, 4, 3)


def test_values_are_read_as_the_company_wrote_them(app, run_import):
    for kind in ("accounts", "meters", "charges", "payments"):
        run_import(kind, SAMPLES / f"{kind}.csv")
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.number == "100101"))
        assert account.address == "г. Иркутск, ул. Ленина, д. 5, кв. 1"
        assert account.owner_name == "Иванов Иван Иванович"
        assert account.area == Decimal("54.30") and account.residents == 3
        assert codewords.opens(account, "romashka 17") and not codewords.opens(account, "ROMASHKA-18")
        assert account.code_word_hash and "ROMASHKA" not in account.code_word_hash
        meter = db.session.scalar(select(Meter).where(Meter.serial == "ХВ-001300"))
        assert meter.kind == "cold_water" and meter.unit == "м³"
        reading = db.session.scalar(select(Reading).join(Meter).where(Meter.serial == "ХВ-001234"))
        assert reading.value == Decimal("123.456") and reading.taken_on == date(2026, 10, 25)
        charge = db.session.scalar(select(Charge).where(Charge.service == "Холодное водоснабжение"))
        assert charge.month == date(2026, 10, 1) and charge.recalculation == Decimal("-12.30")
        assert charge.amount == Decimal("279.74") and charge.tariff == Decimal("45.1200")


@pytest.mark.parametrize(
    ("encoding", "delimiter", "decimal"),
    [("utf-8", ";", ","), ("utf-8-sig", ";", ","), ("cp1251", ";", ","), ("utf-8", ",", "."), ("cp1251", ",", ".")],
)
def test_every_csv_dialect_of_1c_and_excel(app, run_import, tmp_path, encoding, delimiter, decimal):
    rows = [
        ["Лицевой счёт", "Адрес", "Квартира", "Собственник", "Площадь", "Проживающих"],
        ["7001", "ул. Мира, д. 1", "5", "Ёлкина Алёна", f"41{decimal}50", "2"],
    ]
    text = "\r\n".join(delimiter.join(f'"{c}"' if delimiter in c else c for c in row) for row in rows)
    run_import("accounts", write(tmp_path, "a.csv", text, encoding))
    with app.app_context():
        account = db.session.scalar(select(Account))
        assert (account.number, account.owner_name, account.area) == ("7001", "Ёлкина Алёна", Decimal("41.50"))


def test_xlsx_with_dates_and_numbers_as_excel_stores_them(app, run_import, tmp_path):
    run_import("accounts", SAMPLES / "accounts.csv")
    book = Workbook()
    sheet = book.active
    sheet.append(["account", "serial", "kind", "last_reading", "last_reading_date", "verification_due"])
    sheet.append([100101, "Н-1", "ГВС", 12.5, date(2026, 10, 20), date(2030, 1, 31)])
    book.save(tmp_path / "meters.xlsx")
    assert run_import("meters", tmp_path / "meters.xlsx").created == 1
    with app.app_context():
        meter = db.session.scalar(select(Meter))
        assert (meter.kind, meter.verification_due) == ("hot_water", date(2030, 1, 31))
        assert meter.readings[0].value == Decimal("12.500")


def test_one_bad_row_imports_nothing_and_every_problem_is_reported(app, run_import, tmp_path):
    text = (
        "account;address;apartment;area;residents\n"
        "1;ул. Мира, 1;1;40;2\n"
        "2;ул. Мира, 1;;сорок;2\n"
        "3;ул. Мира, 1;3;40,123;-1\n"
        "1;ул. Мира, 1;4;40;2\n"
    )
    with pytest.raises(services.ImportFailed) as failed:
        run_import("accounts", write(tmp_path, "a.csv", text))
    problems = [str(p) for p in failed.value.problems]
    assert problems == [
        "строка 3, столбец «apartment»: не заполнено",
        "строка 3, столбец «area»: «сорок» — не число",
        "строка 4, столбец «area»: не больше 2 знаков после запятой",
        "строка 4, столбец «residents»: должно быть от 0 до 999",
        "строка 5: повторяет строку 2",
    ]
    assert count(app, Account) == 0 and count(app, Building) == 0


def test_changed_rows_are_updated_and_counted(app, run_import, tmp_path):
    run_import("accounts", SAMPLES / "accounts.csv")
    text = "account;address;apartment;owner\n100102;г. Иркутск, ул. Ленина, д. 5;2;Петрова-Сидорова Анна\n"
    report = run_import("accounts", write(tmp_path, "a.csv", text))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.number == "100102"))
        assert account.owner_name == "Петрова-Сидорова Анна"
        assert account.area == Decimal("72.10")  # a column the file leaves out keeps its value


def test_a_new_code_word_replaces_the_old(app, run_import, tmp_path):
    run_import("accounts", SAMPLES / "accounts.csv")
    text = "account;address;apartment;code_word\n100101;г. Иркутск, ул. Ленина, д. 5;1;NOVOE-SLOVO\n"
    assert run_import("accounts", write(tmp_path, "a.csv", text)).updated == 1
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.number == "100101"))
        assert codewords.opens(account, "novoe-slovo") and not codewords.opens(account, "ROMASHKA-17")


def test_rows_for_unknown_accounts_are_refused(app, run_import, tmp_path):
    text = "account;month;service;amount\n999;2026-10;Отопление;100\n"
    with pytest.raises(services.ImportFailed) as failed:
        run_import("charges", write(tmp_path, "c.csv", text))
    assert "лицевой счёт 999 не найден" in str(failed.value.problems[0])


def test_two_equal_payments_stay_two_and_a_reimport_adds_none(app, run_import, tmp_path):
    run_import("accounts", SAMPLES / "accounts.csv")
    text = "account;date;amount;source\n100101;01.11.2026;500;Касса\n100101;01.11.2026;500;Касса\n"
    path = write(tmp_path, "p.csv", text)
    assert run_import("payments", path).created == 2
    assert run_import("payments", path).created == 0
    longer = write(tmp_path, "p2.csv", text + "100101;01.11.2026;500;Касса\n")
    report = run_import("payments", longer)
    assert report.created == 1
    assert count(app, Payment) == 3
    assert (report.repeated, report.repeated_count) == ([(3, 2), (4, 2)], 2)  # shown by the preview, still imported


@pytest.mark.parametrize("paid_on", ["31.12.9999", "0001-01-01", "01.01.1899"])
def test_a_date_outside_the_calendar_of_the_ledger_is_refused(app, run_import, tmp_path, paid_on):
    """A payment in year 9999 would break every balance and receipt page of the account (the next month overflows)."""
    run_import("accounts", SAMPLES / "accounts.csv")
    text = f"account;date;amount;source\n100101;{paid_on};500;Касса\n"
    with pytest.raises(services.ImportFailed) as failed:
        run_import("payments", write(tmp_path, "p.csv", text))
    assert "дата должна быть с 1900 по 2100 год" in str(failed.value.problems[0])
    assert count(app, Payment) == 0


def test_a_reading_needs_its_date(app, run_import, tmp_path):
    run_import("accounts", SAMPLES / "accounts.csv")
    text = "account;serial;kind;last_reading\n100101;X-1;gas;10\n"
    with pytest.raises(services.ImportFailed) as failed:
        run_import("meters", write(tmp_path, "m.csv", text))
    assert "показания и их дата указываются вместе" in str(failed.value.problems[0])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Файл пуст."),
        (b"   \n\n", "Файл пуст."),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00binary", "файл двоичный"),
        (b"PK\x03\x04not really a zip", "Файл XLSX повреждён"),
    ],
)
def test_unreadable_files_are_explained(run_import, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(FileProblem, match=message):
        run_import("accounts", path)


def test_a_wrong_header_names_the_missing_columns(run_import, tmp_path):
    with pytest.raises(services.ImportFailed) as failed:
        run_import("accounts", write(tmp_path, "a.csv", "номер;улица\n1;Мира\n"))
    assert "в заголовке нет столбцов: «account» (или «лицевой счет»), «address» (или «адрес»)" in str(
        failed.value.problems[0]
    )


def test_a_huge_line_is_refused_without_a_traceback(run_import, tmp_path):
    text = "account;address;apartment\n1;" + "x" * 200_000 + ";1\n"
    with pytest.raises(FileProblem, match="длиннее 10000 символов"):
        run_import("accounts", write(tmp_path, "a.csv", text))


def test_the_command_line_prints_a_summary_or_every_problem(app, tmp_path):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["import", "accounts", str(SAMPLES / "accounts.csv")])
    assert ok.exit_code == 0 and "создано: 4, обновлено: 0, без изменений: 0" in ok.output
    bad = write(tmp_path, "m.csv", "account;serial;kind\n100101;X;пар\n")
    failed = runner.invoke(args=["import", "meters", str(bad)])
    assert failed.exit_code == 1
    assert "строка 2, столбец «kind»: «пар» — неизвестный вид счётчика" in failed.output
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x00\x01\x02")
    assert "файл двоичный" in runner.invoke(args=["import", "meters", str(binary)]).output


# --- the caps of one import: a small file must not hold a worker for minutes (issue 9) ---------------------------


def capped_import(make_app, kind, path, **caps):
    """Import a file in an app whose import caps are set to `caps`, as `flask import` would."""
    app = make_app(**caps)
    with app.app_context():
        return services.run(kind, path, default_organization())


def accounts_file(tmp_path, suffix, rows, bad_line=None):
    """An accounts file of `rows` rows (CSV, or XLSX written row by row); on `bad_line` the area is not a number."""
    lines = [["account", "address", "apartment", "area"]]
    lines += [[str(7000 + n), "ул. Мира, д. 1", str(n), "сорок" if n + 2 == bad_line else "40"] for n in range(rows)]
    path = tmp_path / f"accounts.{suffix}"
    if suffix == "csv":
        path.write_text("\n".join(";".join(line) for line in lines), encoding="utf-8")
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("accounts")
        for line in lines:
            sheet.append(line)
        book.save(path)
    return path


def xlsx_with(tmp_path, name: str, data: bytes, content_type: str = "") -> Path:
    """A good accounts XLSX with one more part inside (registered in [Content_Types].xml when content_type is given)."""
    source = zipfile.ZipFile(accounts_file(tmp_path, "xlsx", rows=2))
    path = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as hostile:
        for member in source.infolist():
            part = source.read(member.filename)
            if member.filename == "[Content_Types].xml" and content_type:
                override = f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>'
                part = part.replace(b"</Types>", override.encode())
            hostile.writestr(member, part)
        hostile.writestr(name, data)
    return path


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_file_with_more_rows_than_the_cap_is_refused_before_its_rows_are_checked(make_app, tmp_path, suffix):
    assert capped_import(make_app, "accounts", accounts_file(tmp_path, suffix, rows=5), IMPORT_MAX_ROWS=5).created == 5

    app = make_app(IMPORT_MAX_ROWS=5)
    path = accounts_file(tmp_path, suffix, rows=50, bad_line=40)
    with pytest.raises(FileProblem, match="^Файл слишком большой: в нём больше 5 строк"):
        capped_import(make_app, "accounts", path, IMPORT_MAX_ROWS=5)  # the bad line 40 is never reached
    failed = app.test_cli_runner().invoke(args=["import", "accounts", str(path)])
    assert failed.exit_code == 1 and "Файл не загружен: Файл слишком большой: в нём больше 5 строк" in failed.output
    assert count(app, Account) == 5  # the first file's, and nothing of the second


def test_an_import_that_runs_out_of_time_is_refused_while_reading_and_writes_nothing(make_app, tmp_path, monkeypatch):
    ticks = itertools.count()
    monkeypatch.setattr(reader, "monotonic", lambda: next(ticks))  # every look at the clock finds a second gone
    path = accounts_file(tmp_path, "csv", rows=50, bad_line=40)

    with pytest.raises(FileProblem, match="^Файл слишком большой: загрузка не уложилась в 10 секунд"):
        capped_import(make_app, "accounts", path, IMPORT_MAX_SECONDS=10)  # refused long before line 40

    assert count(make_app(), Account) == 0


@pytest.mark.parametrize(
    ("part", "caps", "message"),
    [
        # 20 MB of zeros packed into 20 KB: a zip bomb, whatever the cap
        (lambda: ("xl/media/bomb.bin", bytes(20_000_000), ""), {}, "XLSX сжат в "),
        # a sheet of honest-looking rows that unpacks past the cap
        (
            lambda: ("xl/worksheets/sheet2.xml", b"<row><c><v>1</v></c></row>" * 80_000, ""),
            {"IMPORT_MAX_UNPACKED_MB": 1},
            "распакованный XLSX больше 1 МБ",
        ),
        # the cells' texts, which openpyxl holds in memory whole (~7 times their size)
        (
            lambda: (
                "xl/sharedStrings.xml",
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + b"".join(b"<si><t>%x</t></si>" % n for n in range(70_000))
                + b"</sst>",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml",
            ),
            {"IMPORT_MAX_UNPACKED_MB": 8},
            "тексты ячеек и оформление в XLSX больше 1 МБ",
        ),
    ],
    ids=["zip-bomb", "unpacked-size", "shared-strings"],
)
def test_an_xlsx_that_unpacks_too_big_is_refused_before_it_is_opened(make_app, tmp_path, part, caps, message):
    path = xlsx_with(tmp_path, *part())

    with pytest.raises(FileProblem, match=f"^Файл слишком большой: {message}"):
        capped_import(make_app, "accounts", path, **caps)

    assert count(make_app(), Account) == 0


def test_a_house_the_office_typed_in_is_the_files_house_however_it_is_spaced(app, run_import, tmp_path):
    with app.app_context():
        db.session.add(Building(organization_id=default_organization().id, address="г. Иркутск, ул. Ленина, д. 5"))
        db.session.commit()
    accounts = "Лицевой счет;Адрес;Квартира;Собственник\n100101;г. Иркутск,  ул. ЛЕНИНА, д. 5;1;Иванов Иван Иванович\n"

    run_import("accounts", write(tmp_path, "accounts.csv", accounts))

    with app.app_context():
        [house] = db.session.scalars(select(Building)).all()
        assert house.address == "г. Иркутск, ул. Ленина, д. 5"
        assert [account.building_id for account in db.session.scalars(select(Account))] == [house.id]
