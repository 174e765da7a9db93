"""An organization's requisites checked as a bank checks them: a Russian one's ИНН, КПП, ОГРН, БИК and the accounts'
keys; a Kazakh one's БИН, ИИК, БИК, Кбе and КНП.

Each check_* takes the text as typed (spaces already removed) and raises Invalid with the message to show beside
the field; it returns nothing for a valid value. The check digits follow the Federal Tax Service's rules (ИНН, ОГРН)
and the Bank of Russia's (the control key of an account, "Порядок расчета контрольного ключа в номере лицевого
счета"); a БИН's, the Kazakh tax code's (two passes of weights, modulo 11); an ИИК's, ISO 13616's (an IBAN's
mod-97).
"""

import re

from flask_babel import lazy_gettext as _l

INN_10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
INN_12_WEIGHTS = ((7, 2, 4, 10, 3, 5, 9, 4, 6, 8), (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
ACCOUNT_WEIGHTS = ((7, 1, 3) * 8)[:23]  # over the 23 digits: three from the БИК, then the 20 of the account
BIN_WEIGHTS = (tuple(range(1, 12)), (*range(3, 12), 1, 2))  # the second pass when the first one gives 10
IIK = re.compile(r"KZ\d{5}[\dA-Z]{13}")  # KZ, 2 check digits, the bank's 3-digit code, the account's 13 characters
SWIFT_BIC = re.compile(r"[A-Z]{4}KZ[\dA-Z]{2}([\dA-Z]{3})?")  # bank, country, place, and maybe a branch
KBE = re.compile(r"[12]\d")  # residency (1 a resident, 2 not), then the economic sector
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


def check_bin(bin_: str) -> None:
    """БИН (or ИИН): 12 digits, the last one the check digit of the 11 before it."""
    if not _digits(bin_, (12,)):
        raise Invalid(_l("БИН — это 12 цифр, например 990140000384."))
    for weights in BIN_WEIGHTS:
        remainder = sum(int(d) * w for d, w in zip(bin_, weights, strict=False)) % 11
        if remainder != 10:
            break
    # A number whose both passes give 10 is never issued: no digit can be its check digit.
    if remainder == 10 or remainder != int(bin_[-1]):
        raise Invalid(_l("Такого БИН не бывает: не сходится контрольная цифра. Проверьте, нет ли опечатки."))


def check_iik(iik: str) -> None:
    """ИИК: a Kazakh IBAN of 20 characters whose check digits make it 1 modulo 97 (ISO 13616)."""
    if not IIK.fullmatch(iik):
        raise Invalid(_l("ИИК — это 20 символов: KZ, 2 контрольные цифры, код банка и номер счёта, например "
                         "KZ86125KZT5004100100."))
    rearranged = iik[4:] + iik[:4]
    if int("".join(str(int(c, 36)) for c in rearranged)) % 97 != 1:
        raise Invalid(_l("Такого ИИК не бывает: не сходятся контрольные цифры. Проверьте, нет ли опечатки."))


def check_swift_bic(bic: str) -> None:
    """A Kazakh bank's БИК: its SWIFT code, 8 or 11 Latin letters and digits with KZ as the 5th and 6th."""
    if not SWIFT_BIC.fullmatch(bic):
        raise Invalid(_l("БИК банка в Казахстане — 8 или 11 латинских букв и цифр, например KCJBKZKX."))


def check_kbe(kbe: str) -> None:
    """Кбе, the payee's code: residency (1 or 2) and the economic sector, two digits."""
    if not KBE.fullmatch(kbe):
        raise Invalid(_l("Кбе — это 2 цифры, первая 1 (резидент) или 2 (нерезидент), например 17."))


def check_knp(knp: str) -> None:
    """КНП, the purpose of payment's code: three digits."""
    if not _digits(knp, (3,)):
        raise Invalid(_l("КНП — это 3 цифры, например 859."))
