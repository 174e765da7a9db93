"""The words of an address that tell one place from another, as the first-login form compares a typed address with
the houses' lines: shared by the form's rules (kabinet.accounts.addresses) and the house model, which keeps its
address's words beside it so that the form's lookup can narrow the houses in SQL."""

import re

# Words that say what kind of place follows; people write them or not, in full or shortened.
DESIGNATORS = frozenset(
    "г гор город ул улица д дом пр пр-т пр-кт просп проспект пер переулок мкр мкрн микрорайон б-р бульвар ш шоссе "
    "пл площадь наб набережная туп тупик проезд пос поселок посёлок".split()
)
WORD = re.compile(r"[\w/-]+")


def words(text: str) -> list[str]:
    """The words of an address that tell one place from another: lowercased, «ё» as «е», designators left out, and
    a house's letter joined to its number («5 а» is «5а»)."""
    found = [w for w in WORD.findall((text or "").casefold().replace("ё", "е")) if w not in DESIGNATORS]
    joined: list[str] = []
    for word in found:
        if joined and joined[-1][-1:].isdigit() and len(word) == 1 and word.isalpha():
            joined[-1] += word
        else:
            joined.append(word)
    return joined


def spelled(text: str) -> str:
    """An address's words one space apart: «г. Иркутск, ул. Ленина, д. 5 А» is «иркутск ленина 5а». Words hold no
    space, so words that follow each other in an address are a substring of this, framed by spaces."""
    return " ".join(words(text))
