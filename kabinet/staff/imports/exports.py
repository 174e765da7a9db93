"""The month's readings for the accounting system, in the columns of the meters import, as CSV or XLSX; a meter
replaced in the month is marked with the day of its replacement (its row holds the final reading, and the new meter's
row the initial one).

A spreadsheet runs a cell that begins with = + - @ (or a tab or CR before them) as a formula, so a serial number
typed by a tenant or an account number from a careless file could run one on the accountant's computer: every text
cell that begins so gets a leading single quote, in CSV and XLSX alike (OWASP's "CSV injection").
"""

import csv
import io
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from kabinet import audit
from kabinet.balance.ledger import next_month
from kabinet.extensions import db
from kabinet.imports.columns import FORMATS, written_day, written_number
from kabinet.models import Account, Meter, Organization, Reading

COLUMNS = [*(column.name for column in FORMATS["meters"]), "replaced_on"]  # the import ignores the last
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Format:
    """One way to write the export: its label on the page, the file's suffix and type, the CSV's encoding."""

    label: object
    suffix: str
    mimetype: str
    encoding: str = ""


EXPORT_FORMATS = {
    "csv-utf8": Format(_l("CSV (UTF-8)"), "csv", "text/csv; charset=utf-8", "utf-8-sig"),
    "csv-cp1251": Format(_l("CSV (Windows-1251, для 1С)"), "csv", "text/csv; charset=windows-1251", "cp1251"),
    "xlsx": Format(_l("Excel (XLSX)"), "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@dataclass(frozen=True)
class Export:
    """A file ready to download."""

    data: bytes
    filename: str
    mimetype: str
    rows: int


def readings(organization: Organization, month: date) -> list[tuple]:
    """(account, serial, kind, value, date, verification due, replaced on) of each meter's last reading in the month;
    the day of replacement only for a meter replaced in this month."""
    in_month = (
        select(Reading.meter_id, func.max(Reading.taken_on).label("taken_on"))
        .join(Meter, Meter.id == Reading.meter_id)
        .join(Account, Account.id == Meter.account_id)
        .where(
            Account.organization_id == organization.id,
            Reading.taken_on >= month,
            Reading.taken_on < next_month(month),
        )
        .group_by(Reading.meter_id)
        .subquery()
    )
    query = (
        select(
            Account.number,
            Meter.serial,
            Meter.kind,
            Reading.value,
            Reading.taken_on,
            Meter.verification_due,
            Meter.closed_on,
        )
        .join(in_month, in_month.c.meter_id == Reading.meter_id)
        .join(Meter, Meter.id == Reading.meter_id)
        .join(Account, Account.id == Meter.account_id)
        .where(Reading.taken_on == in_month.c.taken_on)
        .order_by(Account.number, Meter.id)  # the id, not the serial: the same order on every database's collation
    )
    return [
        (*row[:6], row.closed_on if row.closed_on and month <= row.closed_on < next_month(month) else None)
        for row in db.session.execute(query)
    ]


def export(organization: Organization, month: date, format_name: str) -> Export:
    """The month's readings of the organization's meters as a file, noted in the audit log."""
    kind = EXPORT_FORMATS[format_name]
    rows = readings(organization, month)
    data = _xlsx(rows) if kind.suffix == "xlsx" else _csv(rows, kind.encoding)
    audit.record("readings.export", target=f"{month:%Y-%m}", details=f"{format_name}: {len(rows)}")
    db.session.commit()
    return Export(data, f"readings-{month:%Y-%m}.{kind.suffix}", kind.mimetype, len(rows))


def neutralize(value: str) -> str:
    """A text cell a spreadsheet will show as text, never run as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _csv(rows: list[tuple], encoding: str) -> bytes:
    """';'-separated, decimal comma and DD.MM.YYYY, as 1C writes the import files (docs/samples/meters.csv)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for number, serial, kind, value, taken_on, due, replaced in rows:
        writer.writerow([neutralize(number), neutralize(serial), kind, written_number(value), written_day(taken_on),
                         written_day(due), written_day(replaced)])  # fmt: skip
    # cp1251 has no letter for a few characters (emoji in a serial typed by a tenant): a "?" rather than no file.
    return text.getvalue().encode(encoding, errors="replace")


def _xlsx(rows: list[tuple]) -> bytes:
    """Numbers as numbers and dates as dates, which the import reads back as it reads its own files."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("readings")
    sheet.append(COLUMNS)
    for number, serial, kind, value, taken_on, due, replaced in rows:
        # A string beginning with "=" is written by openpyxl as a formula: neutralized, it stays a string.
        sheet.append([neutralize(number), neutralize(serial), kind, value, taken_on, due, replaced])
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()

