"""What an import did or would do: the counts and example rows of a preview, the problems of a refused file."""

from dataclasses import dataclass, field

from flask_babel import gettext as _

SHOWN_PROBLEMS = 200
SHOWN_ROWS = 10  # of each outcome, for the preview


@dataclass
class Problem:
    """What is wrong with one cell (or one row) of the file."""

    line: int
    column: str
    reason: str  # or a lazy translation: said in the language of whoever reads the report

    def __str__(self) -> str:
        if self.column:
            return _("строка %(line)s, столбец «%(column)s»: %(reason)s", line=self.line, column=self.column,
                     reason=self.reason)  # fmt: skip
        return _("строка %(line)s: %(reason)s", line=self.line, reason=self.reason)


class ImportFailed(Exception):
    """The file was not imported; problems says why (at most SHOWN_PROBLEMS of them, and how many more)."""

    def __init__(self, problems: list, more: int = 0):
        super().__init__("; ".join(map(str, problems[:3])))
        self.problems = problems
        self.more = more


@dataclass
class Report:
    """What an import did (or, in a preview, would do), row by row; the first rows of each outcome as examples."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    examples: dict[str, list[dict]] = field(default_factory=lambda: {"created": [], "updated": [], "unchanged": []})
    # Payment lines equal to an earlier line of the file, as (line, the earlier line): the first SHOWN_PROBLEMS.
    repeated: list[tuple[int, int]] = field(default_factory=list)
    repeated_count: int = 0

    def count(self, outcome: str, record: dict) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        if len(self.examples[outcome]) < SHOWN_ROWS:
            self.examples[outcome].append(record)

    def repeat(self, line: int, earlier: int) -> None:
        """Note a line that says what an earlier one said: imported all the same, but shown to be looked at."""
        self.repeated_count += 1
        if len(self.repeated) < SHOWN_PROBLEMS:
            self.repeated.append((line, earlier))

    def __str__(self) -> str:
        return _(
            "создано: %(created)s, обновлено: %(updated)s, без изменений: %(unchanged)s",
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
        )
