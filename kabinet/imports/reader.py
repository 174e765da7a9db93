"""Reading a table file whatever its dialect: CSV in UTF-8 (with or without BOM) or cp1251, ';' or ',', or XLSX."""

import codecs
import csv
import zipfile
from collections.abc import Iterator
from pathlib import Path

MAX_FIELD = 10_000  # characters in one cell: longer is not a cell of an accounting export but a broken file
SAMPLE = 64 * 1024


class FileProblem(Exception):
    """The file as a whole cannot be read: said in words for the person who chose it."""


def read_table(path: str | Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header's cells and an iterator of (line number, cells) for the rows below it."""
    path = Path(path)
    with path.open("rb") as probe:
        head = probe.read(SAMPLE)
    if not head.strip():
        raise FileProblem("Файл пуст.")
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path)
    if b"\x00" in head:
        raise FileProblem("Это не таблица CSV или XLSX: файл двоичный.")
    return _read_csv(path, head)


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


def _read_csv(path: Path, head: bytes):
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
        raise FileProblem(f"Не удалось прочитать заголовок: {exc}") from None

    def rows():
        try:
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    yield reader.line_num, cells
        except csv.Error as exc:
            raise FileProblem(f"Строка {reader.line_num + 1}: {_csv_problem(exc)}") from None
        except UnicodeDecodeError:
            raise FileProblem(
                f"Строка {reader.line_num + 1}: текст не в кодировке {encoding}; сохраните файл в UTF-8."
            ) from None
        finally:
            stream.close()

    return header, rows()


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"ячейка длиннее {MAX_FIELD} символов — файл повреждён."
    return f"ошибка формата CSV ({exc})."


def _read_xlsx(path: Path):
    from openpyxl import load_workbook

    stream = path.open("rb")  # a file object: openpyxl judges a path by its extension, and an upload may have none
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        stream.close()
        raise FileProblem(f"Файл XLSX повреждён или это не таблица Excel ({type(exc).__name__}).") from None
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = [_cell(value) for value in next(values)]
    except StopIteration:
        workbook.close()
        stream.close()
        raise FileProblem("Файл пуст.") from None

    def rows():
        try:
            for number, cells in enumerate(values, start=2):
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
