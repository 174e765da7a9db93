"""The password rules: long enough, not guessable, not made of the user's own names. No "must contain a capital"."""

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MIN_SCORE = 3  # zxcvbn's "safely unguessable" (about 10^8 guesses)
MAX_CHECKED = 72  # zxcvbn refuses longer input; a password this long is not weak for its length

# zxcvbn explains itself in English; these are its warnings as a tenant should read them.
WARNINGS = {
    "Straight rows of keys are easy to guess.": _l("ряды клавиш подряд легко подобрать"),
    "Short keyboard patterns are easy to guess.": _l("короткие узоры на клавиатуре легко подобрать"),
    'Repeats like "aaa" are easy to guess.': _l("повторы вроде «aaa» легко подобрать"),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': _l(
        "повторы вроде «abcabcabc» подобрать почти так же легко, как «abc»"
    ),
    'Sequences like "abc" or "6543" are easy to guess.': _l(
        "последовательности вроде «abc» или «6543» легко подобрать"
    ),
    "Recent years are easy to guess.": _l("недавние годы легко подобрать"),
    "Dates are often easy to guess.": _l("даты легко подобрать"),
    "This is a top-10 common password.": _l("это один из 10 самых распространённых паролей"),
    "This is a top-100 common password.": _l("это один из 100 самых распространённых паролей"),
    "This is a very common password.": _l("это очень распространённый пароль"),
    "This is similar to a commonly used password.": _l("он похож на распространённый пароль"),
    "A word by itself is easy to guess.": _l("одно слово легко подобрать"),
    "Names and surnames by themselves are easy to guess.": _l("имена и фамилии легко подобрать"),
    "Common names and surnames are easy to guess.": _l("распространённые имена и фамилии легко подобрать"),
}


@dataclass
class Verdict:
    """What the rules say of a password: a 0-4 score for the indicator and the problems to fix."""

    score: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check(password: str, *, login: str = "", email: str = "", names=(), min_length: int | None = None) -> Verdict:
    """Judge a password against the length rule, the common-password list and the user's own data."""
    if not password:
        return Verdict(score=0, problems=[_("Введите пароль.")])  # zxcvbn fails on an empty string
    min_length = min_length or current_app.config["PASSWORD_MIN_LENGTH"]
    problems = []
    if len(password) < min_length:
        problems.append(_("Пароль слишком короткий (мин. длина: %(n)d).", n=min_length))
    own = [login, email.partition("@")[0], *names]
    own = [word.lower() for word in own if word and len(word) >= 3]
    if any(word in password.lower() for word in own):
        problems.append(_("Пароль не должен содержать логин, e-mail или имя."))
    result = zxcvbn(password[:MAX_CHECKED], user_inputs=own)
    score = result["score"] if len(password) <= MAX_CHECKED else 4
    if score < MIN_SCORE:
        warning = WARNINGS.get(result["feedback"]["warning"]) or _("добавьте ещё одно-два необычных слова")
        problems.append(_("Пароль слабый, его легко взломать: %(why)s.", why=warning))
    if problems:
        score = min(score, 2)
    return Verdict(score=score, problems=problems)


def min_length_for(user) -> int:
    """The shortest password this user may set: staff open everyone's data, so theirs is longer."""
    config = current_app.config
    return config["STAFF_PASSWORD_MIN_LENGTH"] if user.is_staff else config["PASSWORD_MIN_LENGTH"]
