"""Reading a table file whatever its dialect: CSV in UTF-8 (with or without BOM) or cp1251, ';' or ',', or XLSX."""

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from time import monotonic

from flask_babel import format_number, format_timedelta
from flask_babel import lazy_gettext as _l

MAX_FIELD = 10_000  # characters in one cell: longer is not a cell of an accounting export but a broken file
SAMPLE = 64 * 1024
MB = 1024 * 1024
# Unpacked / packed size of one part of an XLSX: sheets written by Excel or openpyxl come out at 5–20, zeros (a zip
# bomb) at 1,000. Parts under a megabyte are left alone: they are too small to matter whatever their ratio.
MAX_RATIO = 100
# openpyxl streams the sheets, but the other parts it reads (the cells' shared texts, the styles) it holds in memory
# whole, at about 7 times their unpacked size: all parts but the sheets get an eighth of the unpacked cap (25 MB of
# 200; bench/imports.py's 100,000 accounts or 300,000 meters saved by Excel would hold 6–9 MB of shared texts).
WHOLE_PARTS_SHARE = 8

TOO_MANY_ROWS = _l(
    "Файл слишком большой: в нём больше %(rows)s строк. "
    "Разделите его на части, например по домам, и загрузите их по очереди."
)
TOO_LONG = _l(
    "Файл слишком большой: загрузка не уложилась в %(time)s. "
    "Разделите его на части, например по домам, и загрузите их по очереди."
)
TOO_BIG_UNPACKED = _l(
    "Файл слишком большой: распакованный XLSX больше %(mb)s МБ. "
    "Разделите его на части, например по домам, и загрузите их по очереди."
)
TOO_BIG_TEXTS = _l("Файл слишком большой: тексты ячеек и оформление в XLSX больше %(mb)s МБ. Сохраните таблицу в CSV.")
TOO_PACKED = _l(
    "Файл слишком большой: XLSX сжат в %(ratio)s раз, а таблицы сжимаются в 5–20 раз. "
    "Откройте файл в Excel и сохраните заново."
)


class FileProblem(Exception):
    """The file as a whole cannot be read: said in words for the person who chose it."""


@dataclass
class Budget:
    """What one import may take (IMPORT_MAX_* in the config), from the moment it starts: the rows it may read, the
    unpacked size of an XLSX, and the time it must be over by. Preview and apply each get their own."""

    rows: int
    unpacked_mb: int
    seconds: int
    deadline: float = field(init=False)

    def __post_init__(self):
        self.deadline = monotonic() + self.seconds

    @classmethod
    def from_config(cls, config) -> "Budget":
        """The caps of the app's config, the clock starting now."""
        return cls(config["IMPORT_MAX_ROWS"], config["IMPORT_MAX_UNPACKED_MB"], config["IMPORT_MAX_SECONDS"])

    def row(self, number: int) -> None:
        """Refuse the file at its row `number` (1 is the header) once it is past the rows or the time allowed.

        Called for every row read, empty ones too: they cost as much to read, and a sheet can declare a million."""
        if number > self.rows + 1:
            raise FileProblem(str(TOO_MANY_ROWS) % {"rows": format_number(self.rows)})
        if monotonic() > self.deadline:
            raise FileProblem(str(TOO_LONG) % {"time": format_timedelta(timedelta(seconds=self.seconds), threshold=1)})

    def unpack(self, parts: list[zipfile.ZipInfo]) -> None:
        """Refuse an XLSX before anything is unpacked, by the sizes its directory declares (zipfile unpacks no more
        than a part declares: a lie fails its checksum), and a part packed as no spreadsheet is (a zip bomb)."""
        cap = self.unpacked_mb * MB
        if sum(part.file_size for part in parts) > cap:
            raise FileProblem(str(TOO_BIG_UNPACKED) % {"mb": format_number(self.unpacked_mb)})
        whole = [part for part in parts if not part.filename.startswith("xl/worksheets/")]
        if sum(part.file_size for part in whole) > cap // WHOLE_PARTS_SHARE:
            raise FileProblem(str(TOO_BIG_TEXTS) % {"mb": format_number(round(cap / WHOLE_PARTS_SHARE / MB, 1))})
        for part in parts:
            if part.file_size > MB and part.file_size > MAX_RATIO * part.compress_size:
                ratio = part.file_size // max(part.compress_size, 1)
                raise FileProblem(str(TOO_PACKED) % {"ratio": format_number(ratio)})


def read_table(path: str | Path, budget: Budget) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header's cells and an iterator of (line number, cells) for the rows below it, within the budget."""
    path = Path(path)
    with path.open("rb") as probe:
        head = probe.read(SAMPLE)
    if not head.strip():
        raise FileProblem(_l("Файл пуст."))
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, budget)
    if b"\x00" in head:
        raise FileProblem(_l("Это не таблица CSV или XLSX: файл двоичный."))
    return _read_csv(path, head, budget)


def _encoding(path: Path) -> str:
    """UTF-8 when the whole file decodes as UTF-8 (1C writes a BOM, or not), else Windows' cp1251."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as stream:
        if stream.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        stream.seek(0)
        try:
            while chunk := stream.read(SAMPLE):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1251"
    return "utf-8"


def _read_csv(path: Path, head: bytes, budget: Budget):
    encoding = _encoding(path)
    first_line = head.decode(encoding, errors="replace").splitlines()[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    stream = path.open(encoding=encoding, newline="", errors="strict")
    csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        header = next(reader)
    except (csv.Error, UnicodeDecodeError) as exc:
        stream.close()
        raise FileProblem(_l("Не удалось прочитать заголовок: %(error)s", error=exc)) from None

    def rows():
        try:
            for cells in reader:
                budget.row(reader.line_num)
                if any(cell.strip() for cell in cells):
                    yield reader.line_num, cells
        except csv.Error as exc:
            raise FileProblem(_csv_problem(reader.line_num + 1, exc)) from None
        except UnicodeDecodeError:
            raise FileProblem(
                _l(
                    "Строка %(line)s: текст не в кодировке %(encoding)s; сохраните файл в UTF-8.",
                    line=reader.line_num + 1,
                    encoding=encoding,
                )
            ) from None
        finally:
            stream.close()

    return header, rows()


def _csv_problem(line: int, exc: csv.Error):
    """What is wrong with a line the csv module refused, in words."""
    if "field larger than field limit" in str(exc):
        return _l("Строка %(line)s: ячейка длиннее %(length)s символов — файл повреждён.", line=line, length=MAX_FIELD)
    return _l("Строка %(line)s: ошибка формата CSV (%(error)s).", line=line, error=exc)


def _read_xlsx(path: Path, budget: Budget):
    from openpyxl import load_workbook

    stream = path.open("rb")  # a file object: openpyxl judges a path by its extension, and an upload may have none
    try:
        budget.unpack(zipfile.ZipFile(stream).infolist())
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        stream.close()
        raise FileProblem(
            _l("Файл XLSX повреждён или это не таблица Excel (%(error)s).", error=type(exc).__name__)
        ) from None
    except FileProblem:
        stream.close()
        raise
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = [_cell(value) for value in next(values)]
    except StopIteration:
        workbook.close()
        stream.close()
        raise FileProblem(_l("Файл пуст.")) from None

    def rows():
        try:
            for number, cells in enumerate(values, start=2):
                budget.row(number)
                cells = [_cell(value) for value in cells]
                if any(cells):
                    yield number, cells
        finally:
            workbook.close()
            stream.close()

    return header, rows()


def _cell(value) -> str:
    """An Excel cell as the text a CSV would hold (dates as YYYY-MM-DD, whole numbers without .0)."""
    if value is None:
        return ""
    if hasattr(value, "date") and callable(value.date):
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
