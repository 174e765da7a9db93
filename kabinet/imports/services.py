"""Importing accounts, meters, charges and payments: every row or none, and the same file twice changes nothing.

The file is read twice: the first pass checks every row and collects every problem (nothing is written while one
exists); the second applies the rows in chunks inside one transaction, with a few bulk statements per chunk, so that
100,000 accounts load in seconds and the memory used does not grow with the file.
"""

from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update
from sqlalchemy.orm import joinedload

from kabinet.accounts import addresses as waiting_list
from kabinet.accounts import codewords
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.imports.columns import FORMATS, CellProblem, header_key
from kabinet.imports.reader import Budget, read_table
from kabinet.imports.report import SHOWN_PROBLEMS, ImportFailed, Problem, Report
from kabinet.models import Account, Building, Charge, Meter, Organization, Payment, Reading
from kabinet.models.meter import UNITS
from kabinet.organizations import same_address

CHUNK = 2000


def run(kind: str, path: str | Path, organization: Organization) -> Report:
    """Import a file of this kind (accounts, meters, charges, payments) for the organization, in one transaction."""
    try:
        report = load(kind, path, organization)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def preview(kind: str, path: str | Path, organization: Organization) -> Report:
    """What run() would do, found by doing it in a transaction that is then rolled back: the same rules, no writes."""
    try:
        return load(kind, path, organization)
    finally:
        db.session.rollback()


def load(kind: str, path: str | Path, organization: Organization) -> Report:
    """Check every row, then write them all into the session's transaction; the caller commits or rolls back.

    Raises ImportFailed (nothing written) when a row is wrong, FileProblem when the file cannot be read or is past
    the caps of the config (IMPORT_MAX_*): both passes read within one budget, so the time cap counts the writing too.
    """
    budget = Budget.from_config(current_app.config)
    importer = IMPORTERS[kind](organization.id)
    problems = []
    for line, record in records(kind, path, problems, budget):
        importer.check(line, record, problems)
    if problems:
        raise ImportFailed(problems[:SHOWN_PROBLEMS], max(0, len(problems) - SHOWN_PROBLEMS))
    report = importer.report
    rows = records(kind, path, None, budget)
    while chunk := list(islice(rows, CHUNK)):
        importer.apply([record for _, record in chunk], report)
    importer.finish()
    return report


def records(kind: str, path, problems: list | None, budget: Budget) -> Iterator[tuple[int, dict]]:
    """(line, {column: value}) for each row; the columns the header leaves out are not in the dict."""
    columns = FORMATS[kind]
    header, rows = read_table(path, budget)
    positions = _positions(columns, header)
    for line, cells in rows:
        record, bad = {}, False
        for column in columns:
            if column.name not in positions:
                continue
            position = positions[column.name]
            cell = cells[position].strip() if position < len(cells) else ""
            if not cell:
                if column.required:
                    bad = True
                    if problems is not None:
                        problems.append(Problem(line, column.name, _l("не заполнено")))
                record[column.name] = None
                continue
            try:
                record[column.name] = column.parse(cell)
            except CellProblem as exc:
                bad = True
                if problems is not None:
                    problems.append(Problem(line, column.name, exc.args[0]))
        if not bad:
            yield line, record


def _column_named(column) -> str:
    """A column as a missing one is named: «account» (или «лицевой счет»)."""
    if not column.aliases:
        return f"«{column.name}»"
    return gettext("«%(name)s» (или «%(alias)s»)", name=column.name, alias=column.aliases[0])


def _positions(columns, header) -> dict[str, int]:
    """Where each column stands in the header; a missing required column fails the whole file."""
    keys = [header_key(cell) for cell in header]
    positions, missing = {}, []
    for column in columns:
        found = [i for i, key in enumerate(keys) if key in column.names()]
        if len(found) > 1:
            raise ImportFailed([Problem(1, column.name, _l("столбец встречается в заголовке дважды"))])
        if found:
            positions[column.name] = found[0]
        elif column.required:
            missing.append(column)
    if missing:
        known = ", ".join(_column_named(c) for c in missing)
        raise ImportFailed([Problem(1, "", _l("в заголовке нет столбцов: %(columns)s", columns=known))])
    return positions


class _Importer:
    """The rules of one kind of file: check() a row in the first pass, apply() chunks of rows in the second."""

    def __init__(self, organization_id: int):
        self.organization_id = organization_id
        self.seen: dict = {}
        self.report = Report()

    def check(self, line: int, record: dict, problems: list) -> None:
        key = self.key(record)
        if key in self.seen:
            problems.append(Problem(line, "", _l("повторяет строку %(line)s", line=self.seen[key])))
        else:
            self.seen[key] = line

    def key(self, record: dict):
        raise NotImplementedError

    def apply(self, records: list[dict], report: Report) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """What follows the last chunk, in the import's transaction; most kinds have nothing to do."""


class _AccountRows(_Importer):
    """Rows of a file that refers to accounts by number: the accounts must exist."""

    def __init__(self, organization_id: int):
        super().__init__(organization_id)
        self.account_ids = dict(
            db.session.execute(
                select(Account.number, Account.id).where(Account.organization_id == organization_id)
            ).all()
        )

    def check(self, line, record, problems):
        if record["account"] not in self.account_ids:
            unknown = _l("лицевой счёт %(number)s не найден: загрузите счета", number=record["account"])
            problems.append(Problem(line, "account", unknown))
            return
        super().check(line, record, problems)


def _changes(record: dict, current: dict, fields: dict[str, str]) -> dict:
    """The fields whose new value differs; a column left out or a cell left empty keeps what is stored."""
    return {
        attribute: record[column]
        for column, attribute in fields.items()
        if record.get(column) is not None and record[column] != current.get(attribute)
    }


def _count(report: Report, record: dict, created: bool, changed: bool) -> None:
    report.count("created" if created else "updated" if changed else "unchanged", record)


class AccountImporter(_Importer):
    """Accounts by number, with their building (made on first mention), premises, owner and code word."""

    FIELDS = {
        "apartment": "premises",
        "owner": "owner_name",
        "area": "area",
        "residents": "residents",
        "opening_balance": "opening_balance",
    }

    def __init__(self, organization_id):
        super().__init__(organization_id)
        # By the address as a person reads it: a house the office typed in is the file's house however it is spaced.
        houses = select(Building.address, Building.id).where(Building.organization_id == organization_id)
        self.buildings = {same_address(address): id_ for address, id_ in db.session.execute(houses)}
        self.added: list[int] = []

    def key(self, record):
        return record["account"]

    def building_id(self, address: str) -> int:
        key = same_address(address)
        if key not in self.buildings:
            self.buildings[key] = db.session.execute(
                insert(Building).values(organization_id=self.organization_id, address=address).returning(Building.id)
            ).scalar_one()
            self.added.append(self.buildings[key])
        return self.buildings[key]

    def finish(self):
        """Tell the people waiting for the houses the file brought, all in one reading of the waiting list. In the
        import's transaction: a preview, rolled back, tells nobody."""
        if self.added:
            added = select(Building).options(joinedload(Building.organization)).where(Building.id.in_(self.added))
            waiting_list.houses_added(db.session.scalars(added).all())

    def apply(self, records, report):
        now = utcnow()
        fields = [getattr(Account, attribute) for attribute in self.FIELDS.values()]
        columns = [
            Account.id,
            Account.number,
            Account.building_id,
            *fields,
            Account.code_word_hash,
            Account.code_word_salt,
        ]
        existing = {
            row.number: row._asdict()
            for row in db.session.execute(
                select(*columns).where(
                    Account.organization_id == self.organization_id,
                    Account.number.in_([r["account"] for r in records]),
                )
            )
        }
        inserts, updates = [], []
        for record in records:
            current = existing.get(record["account"])
            changes = _changes(record, current or {}, self.FIELDS)
            building_id = self.building_id(record["address"])
            if current is None or building_id != current["building_id"]:
                changes["building_id"] = building_id
            code_word = record.get("code_word")
            if code_word and not (current and _opens(current, code_word)):
                account = Account()
                codewords.issue(account, code_word, now)
                changes.update(
                    code_word_hash=account.code_word_hash,
                    code_word_salt=account.code_word_salt,
                    code_word_issued_at=now,
                )
            if current is None:
                inserts.append({"organization_id": self.organization_id, "number": record["account"], **changes})
            elif changes:
                updates.append({"id": current["id"], **changes})
            _count(report, record, current is None, bool(changes))
        _write(Account, inserts, updates)


def _opens(current: dict, code_word: str) -> bool:
    return codewords.opens(
        Account(code_word_hash=current["code_word_hash"], code_word_salt=current["code_word_salt"]), code_word
    )


def _write(model, inserts: list[dict], updates: list[dict]) -> None:
    """Bulk statements: one INSERT and one UPDATE (by primary key) per chunk and set of columns."""
    for columns in {tuple(sorted(row)) for row in inserts}:
        db.session.execute(insert(model), [row for row in inserts if tuple(sorted(row)) == columns])
    for columns in {tuple(sorted(row)) for row in updates}:
        db.session.execute(update(model), [row for row in updates if tuple(sorted(row)) == columns])


class MeterImporter(_AccountRows):
    """Meters by account and serial number, with their last reading."""

    def key(self, record):
        return record["account"], record["serial"]

    def check(self, line, record, problems):
        if (record.get("last_reading") is None) != (record.get("last_reading_date") is None):
            missing = "last_reading_date" if record.get("last_reading_date") is None else "last_reading"
            problems.append(Problem(line, missing, _l("показания и их дата указываются вместе")))
            return
        super().check(line, record, problems)

    def _meters(self, records):
        account_ids = {self.account_ids[r["account"]] for r in records}
        query = select(Meter.id, Meter.account_id, Meter.serial, Meter.kind, Meter.verification_due).where(
            Meter.account_id.in_(account_ids)
        )
        return {(row.account_id, row.serial): row._asdict() for row in db.session.execute(query)}

    def apply(self, records, report):
        existing = self._meters(records)
        inserts, updates, touched = [], [], set()
        for record in records:
            key = (self.account_ids[record["account"]], record["serial"])
            current = existing.get(key)
            changes = _changes(record, current or {}, {"kind": "kind", "verification_due": "verification_due"})
            if current is None:
                new = {"account_id": key[0], "serial": key[1], "unit": UNITS[record["kind"]], "verification_due": None}
                inserts.append({**new, **changes})
            elif changes:
                updates.append({"id": current["id"], **changes})
                touched.add(key)
        _write(Meter, inserts, updates)
        meters = self._meters(records) if inserts else existing
        touched |= self._apply_readings(records, meters)
        for record in records:
            key = (self.account_ids[record["account"]], record["serial"])
            _count(report, record, key not in existing, key in touched)

    def _apply_readings(self, records, meters) -> set:
        """Store each row's last reading as an imported reading; the keys of the meters whose reading changed."""
        given = [r for r in records if r.get("last_reading") is not None]
        if not given:
            return set()
        meter_ids = {meters[(self.account_ids[r["account"]], r["serial"])]["id"] for r in given}
        dates = {r["last_reading_date"] for r in given}
        query = select(Reading.id, Reading.meter_id, Reading.taken_on, Reading.value).where(
            Reading.meter_id.in_(meter_ids), Reading.taken_on.in_(dates)
        )
        existing = {(row.meter_id, row.taken_on): row for row in db.session.execute(query)}
        inserts, updates, changed = [], [], set()
        for record in given:
            key = (self.account_ids[record["account"]], record["serial"])
            meter_id = meters[key]["id"]
            current = existing.get((meter_id, record["last_reading_date"]))
            if current is None:
                inserts.append(
                    {
                        "meter_id": meter_id,
                        "taken_on": record["last_reading_date"],
                        "value": record["last_reading"],
                        "source": "import",
                    }
                )
                changed.add(key)
            elif current.value != record["last_reading"]:
                updates.append({"id": current.id, "value": record["last_reading"]})
                changed.add(key)
        _write(Reading, inserts, updates)
        return changed


class ChargeImporter(_AccountRows):
    """Charges by account, month and service."""

    FIELDS = {
        "tariff": "tariff",
        "quantity": "quantity",
        "unit": "unit",
        "amount": "amount",
        "recalculation": "recalculation",
    }

    def key(self, record):
        return record["account"], record["month"], record["service"]

    def apply(self, records, report):
        account_ids = {self.account_ids[r["account"]] for r in records}
        months = {r["month"] for r in records}
        fields = [getattr(Charge, attribute) for attribute in self.FIELDS.values()]
        query = select(Charge.id, Charge.account_id, Charge.month, Charge.service, *fields).where(
            Charge.account_id.in_(account_ids), Charge.month.in_(months)
        )
        existing = {(row.account_id, row.month, row.service): row._asdict() for row in db.session.execute(query)}
        inserts, updates = [], []
        for record in records:
            key = (self.account_ids[record["account"]], record["month"], record["service"])
            current = existing.get(key)
            changes = _changes(record, current or {}, self.FIELDS)
            if current is None:
                inserts.append({"account_id": key[0], "month": key[1], "service": key[2], **changes})
            elif changes:
                updates.append({"id": current["id"], **changes})
            _count(report, record, current is None, bool(changes))
        _write(Charge, inserts, updates)


class PaymentImporter(_AccountRows):
    """Payments have no number of their own: the same account, date, amount and source counted as many times as
    the file holds them, so that a second import of the file adds nothing and two equal payments stay two."""

    def __init__(self, organization_id):
        super().__init__(organization_id)
        self.occurrences = Counter()

    def check(self, line, record, problems):
        if record["account"] not in self.account_ids:
            super().check(line, record, problems)
            return
        # Equal rows are two payments, not a mistake; but a line pasted twice is one too, so the preview shows them.
        key = (record["account"], record["date"], record["amount"], record.get("source") or "")
        if key in self.seen:
            self.report.repeat(line, self.seen[key])
        else:
            self.seen[key] = line

    def apply(self, records, report):
        account_ids = {self.account_ids[r["account"]] for r in records}
        dates = {r["date"] for r in records}
        query = select(Payment.account_id, Payment.paid_on, Payment.amount, Payment.source).where(
            Payment.account_id.in_(account_ids), Payment.paid_on.in_(dates)
        )
        stored = Counter(tuple(row) for row in db.session.execute(query))
        inserts = []
        for record in records:
            key = (self.account_ids[record["account"]], record["date"], record["amount"], record.get("source") or "")
            occurrence = self.occurrences[key]
            self.occurrences[key] += 1
            if occurrence >= stored[key]:
                inserts.append(dict(zip(("account_id", "paid_on", "amount", "source"), key, strict=True)))
            _count(report, record, occurrence >= stored[key], False)
        _write(Payment, inserts, [])


IMPORTERS = {
    "accounts": AccountImporter,
    "meters": MeterImporter,
    "charges": ChargeImporter,
    "payments": PaymentImporter,
}
