"""A Russian organization's requisites checked as a bank checks them: ИНН, КПП, ОГРН, БИК and the accounts' keys.

Each check_* takes the text as typed (spaces already removed) and raises Invalid with the message to show beside
the field; it returns nothing for a valid value. The check digits follow the Federal Tax Service's rules (ИНН, ОГРН)
and the Bank of Russia's (the control key of an account, "Порядок расчета контрольного ключа в номере лицевого
счета").
"""

import re

from flask_babel import lazy_gettext as _l

INN_10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
INN_12_WEIGHTS = ((7, 2, 4, 10, 3, 5, 9, 4, 6, 8), (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
ACCOUNT_WEIGHTS = ((7, 1, 3) * 8)[:23]  # over the 23 digits: three from the БИК, then the 20 of the account
KPP = re.compile(r"\d{4}[\dA-Z]{2}\d{3}")  # the 5th and 6th, the reason for registration, may be Latin capitals


class Invalid(ValueError):
    """A requisite that no bank would accept; its message says what is wrong, in the page's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _digits(text: str, lengths: tuple[int, ...]) -> bool:
    """Whether the text is ASCII digits only (a full-width ７ looks like a digit and is none), of one of the lengths."""
    return text.isascii() and text.isdigit() and len(text) in lengths


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    """The tax service's check digit: the weighted sum of the digits before it, modulo 11, modulo 10."""
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def check_inn(inn: str) -> None:
    """ИНН: 10 digits for an organization, 12 for an entrepreneur, the last one (two) the check digits."""
    if not _digits(inn, (10, 12)):
        raise Invalid(_l("ИНН — это 10 цифр у организации или 12 цифр у индивидуального предпринимателя."))
    if len(inn) == 10:
        expected = str(_check_digit(inn, INN_10_WEIGHTS))
    else:
        expected = "".join(str(_check_digit(inn, weights)) for weights in INN_12_WEIGHTS)
    if inn[-len(expected) :] != expected:
        raise Invalid(_l("Такого ИНН не бывает: не сходится контрольная цифра. Проверьте, нет ли опечатки."))


def check_kpp(kpp: str) -> None:
    """КПП: 9 characters, digits but for the 5th and 6th, which may be Latin capitals."""
    if not KPP.fullmatch(kpp):
        raise Invalid(_l("КПП — это 9 символов, например 380801001 (5-й и 6-й могут быть латинскими буквами)."))


def check_ogrn(ogrn: str) -> None:
    """ОГРН (13 digits) or ОГРНИП (15): the number before the last digit, modulo 11 or 13, ends with that digit."""
    if not _digits(ogrn, (13, 15)):
        raise Invalid(_l("ОГРН — это 13 цифр, ОГРНИП индивидуального предпринимателя — 15 цифр."))
    modulus = 11 if len(ogrn) == 13 else 13
    if int(ogrn[:-1]) % modulus % 10 != int(ogrn[-1]):
        raise Invalid(_l("Такого ОГРН не бывает: не сходится контрольная цифра. Проверьте, нет ли опечатки."))


def check_bic(bic: str) -> None:
    """БИК: 9 digits."""
    if not _digits(bic, (9,)):
        raise Invalid(_l("БИК — это 9 цифр, например 042520607."))


def _keyed(prefix: str, account: str) -> bool:
    """Whether the account's control key (its 9th digit) fits: the weighted sum of prefix + account ends in 0."""
    return sum(int(d) * w for d, w in zip(prefix + account, ACCOUNT_WEIGHTS, strict=True)) % 10 == 0


def _check_account(account: str, bic: str, prefix: str, mismatch) -> None:
    """An account's 20 digits and its key over prefix + account; without a valid БИК there is nothing to check it by."""
    if not _digits(account, (20,)):
        raise Invalid(_l("Номер счёта — это 20 цифр."))
    try:
        check_bic(bic)
    except Invalid:
        raise Invalid(_l("Укажите верный БИК банка: счёт проверяется по нему.")) from None
    if not _keyed(prefix, account):
        raise Invalid(mismatch)


def check_settlement_account(account: str, bic: str) -> None:
    """A расчётный счёт at the bank with this БИК: its key is computed over the БИК's last 3 digits + the account."""
    message = _l("Счёт не сходится с БИК: проверьте номер расчётного счёта и БИК банка.")
    _check_account(account, bic, bic[-3:], message)


def check_correspondent_account(account: str, bic: str) -> None:
    """The bank's корреспондентский счёт at the Bank of Russia: its key is computed over "0" + the БИК's 5th and 6th
    digits (the Bank of Russia's division) + the account."""
    message = _l("Корреспондентский счёт не сходится с БИК: проверьте номер счёта и БИК банка.")
    _check_account(account, bic, "0" + bic[4:6], message)
    # The key reads only the region's digits of the БИК, so it passes another bank of the region; a bank's account at
    # the Bank of Russia (30101…) also ends with the last three digits of the bank's БИК.
    if account.startswith("30101") and account[-3:] != bic[-3:]:
        raise Invalid(message)
