"""What the back office's search boxes share."""


def spellings(word: str) -> set[str]:
    """The usual spellings of a typed word: SQLite folds only ASCII letters, so ILIKE alone would miss "петров" in
    "Петров"."""
    return {word, word.lower(), word.upper(), word.capitalize()}
