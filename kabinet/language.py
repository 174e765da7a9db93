"""Whose language a text is written in: a logged-in user's pages and every e-mail in the person's own language, the
command line's output in its environment's.

A user keeps a language (User.language, a code of LANGUAGES): set when they register, changed by the language
switch. An e-mail is rendered in its recipient's language whoever triggered it, and the command line speaks the
language of its environment (LC_ALL, LC_MESSAGES, LANG) when Kabinet has it, else the installation's default.
"""

import functools
import os
from contextlib import contextmanager
from types import SimpleNamespace

from babel import Locale
from flask import current_app, g
from flask.cli import AppGroup
from flask_babel import force_locale

from kabinet.extensions import db


@functools.cache
def locale_of(code: str) -> Locale:
    """The Locale of a language code, parsed once per process."""
    return Locale.parse(code)


def default_language() -> str:
    """The installation's language: of visitors who chose none, and of e-mails to people it does not know."""
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def known(code: str | None) -> str | None:
    """The code if it is one of LANGUAGES, else None: a stored or typed value is never trusted as a locale."""
    return code if code in current_app.config["LANGUAGES"] else None


def language_of(user) -> str:
    """The language a person reads: the one they keep, else the installation's default (a stand-in, a new staff
    user, someone who registered before languages were kept)."""
    return known(getattr(user, "language", None)) or default_language()


def keep_language(user, code: str) -> None:
    """Remember the language a logged-in user switched to: their pages and e-mails follow it on any device."""
    user.language = code
    db.session.commit()


@contextmanager
def speaking(language: str):
    """Translations, dates and amounts in `language` for the block (an e-mail, a command's output).

    Flask-Babel's force_locale() does nothing while the app context's `g` is empty, as it is in a command or a
    worker's job, so its state is put there first."""
    if "_flask_babel" not in g:
        g._flask_babel = SimpleNamespace()
    with force_locale(language):
        yield


def command_line_language() -> str:
    """The language of the command line: the environment's first locale setting ("en_US.UTF-8" is English) when it
    is one of LANGUAGES, else the installation's default; "C.UTF-8" is no language."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(name):
            return known(value.partition(".")[0].partition("_")[0].lower()) or default_language()
    return default_language()


class CommandGroup(AppGroup):
    """A group of `flask --app wsgi` commands whose output is in the command line's language."""

    def command(self, *args, **kwargs):
        """Register a command (as AppGroup does, inside the app context) run in the command line's language."""
        register = super().command(*args, **kwargs)

        def decorator(function):
            @functools.wraps(function)
            def in_language(*call_args, **call_kwargs):
                with speaking(command_line_language()):
                    return function(*call_args, **call_kwargs)

            return register(in_language)

        return decorator
