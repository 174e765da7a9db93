"""«Передать показания» in the chat: the account, then each meter not yet read this month in turn, then one save.

The rules are the readings page's own (kabinet.readings.services): the window in the organization's time zone, a
value not below the last reading, a confirmation of an unusual consumption, and the same `submit`. Where the chat
stands is a TelegramConversation row, so that any app server answers the next message.
"""

import json
import re
from decimal import Decimal

from flask import render_template
from flask_babel import format_date
from flask_babel import gettext as _

from kabinet.accounts import services as accounts
from kabinet.clock import local_today
from kabinet.extensions import db
from kabinet.models import Account, TelegramConversation, User
from kabinet.readings import services as rules
from kabinet.telegram.keyboards import CANCEL, CONFIRM, RETYPE, SKIP, keyboard, main, reply
from kabinet.urls import external_url

ACCOUNT_NUMBER = re.compile(r"№\s*(\S+)")


def reset(conversation: TelegramConversation) -> None:
    """Forget a half-done submission: the chat is at rest again."""
    if conversation.step:
        conversation.step, conversation.account_id, conversation.draft = "", None, "{}"


def start(conversation: TelegramConversation, user: User) -> None:
    """Begin: with one account straight to its meters, with several ask which."""
    reset(conversation)
    bindings = accounts.bindings(user)
    if not bindings:
        reply(conversation.chat_id, _("К личному кабинету не привязано ни одного лицевого счёта: привяжите счёт на "
                                      "сайте, и здесь можно будет передавать показания."), main())  # fmt: skip
    elif len(bindings) == 1:
        _begin(conversation, user, bindings[0].account)
    else:
        db.session.add(conversation)
        conversation.step = "account"
        buttons = [[f"№ {b.account.number}, {b.account.address}"[:60]] for b in bindings]
        reply(conversation.chat_id, _("Выберите лицевой счёт:"), keyboard(*buttons, [CANCEL]))


def answer(conversation: TelegramConversation, user: User, text: str) -> None:
    """The user's answer to the question the conversation asked last."""
    account = accounts.bound_account(user, conversation.account_id) if conversation.account_id else None
    if conversation.step == "account":
        found = ACCOUNT_NUMBER.search(text)
        number = found[1].rstrip(",") if found else text
        chosen = next((b.account for b in accounts.bindings(user) if b.account.number == number), None)
        if chosen is None:
            reply(conversation.chat_id, _("Такого лицевого счёта среди ваших нет. Выберите кнопкой ниже."))
        else:
            _begin(conversation, user, chosen)
    elif account is None:  # unbound meanwhile
        reset(conversation)
        reply(conversation.chat_id, _("Этот лицевой счёт больше не привязан к вашему кабинету."), main())
    elif conversation.step == "confirm":
        _confirm(conversation, user, account, text)
    else:
        _take_value(conversation, user, account, text)


def _begin(conversation: TelegramConversation, user: User, account: Account) -> None:
    """Ask for the first meter of the account not read this month, if the window is open."""
    today = local_today(account.organization.timezone)
    if not _window_open(conversation, account, today):
        return
    states = rules.meter_states(account, today)
    due = [state.meter.id for state in states if state.this_month is None]
    if not due:
        reset(conversation)
        text = _("Показания по всем счётчикам лицевого счёта № %(number)s за этот месяц уже переданы.",
                 number=account.number) if states else _("У лицевого счёта № %(number)s нет счётчиков.",
                                                         number=account.number)  # fmt: skip
        reply(conversation.chat_id, text, main())
        return
    db.session.add(conversation)
    conversation.step, conversation.account_id = "value", account.id
    conversation.draft = json.dumps({"left": due, "values": {}, "pending": None})
    _ask(conversation, _state(account, due[0], today))


def _window_open(conversation: TelegramConversation, account: Account, today) -> bool:
    """Whether the organization takes readings today; if not, say when it does and end the submission."""
    intake = rules.intake(account.organization, today)
    if intake.is_open:
        return True
    reset(conversation)
    reply(conversation.chat_id, _("Показания принимаются с %(first)s по %(last)s число месяца. Следующий приём "
                                  "начнётся %(date)s.", first=intake.first, last=intake.last,
                                  date=format_date(intake.next_opening, "d MMMM")), main())  # fmt: skip
    return False


def _state(account: Account, meter_id: int, today) -> rules.MeterState | None:
    return next((s for s in rules.meter_states(account, today) if s.meter.id == meter_id), None)


def _ask(conversation: TelegramConversation, state: rules.MeterState) -> None:
    last = state.last
    known = (
        _(
            "Последнее показание: %(value)s %(unit)s от %(date)s.",
            value=rules.number(last.value),
            unit=state.meter.unit,
            date=format_date(last.taken_on, "dd.MM.yyyy"),
        )
        if last
        else _("Показаний ещё нет.")
    )
    text = _("%(meter)s, № %(serial)s. %(last)s\nВведите новое показание, %(unit)s:", meter=state.name,
             serial=state.meter.serial, last=known, unit=state.meter.unit)  # fmt: skip
    reply(conversation.chat_id, text, keyboard([SKIP], [CANCEL]))


def _take_value(conversation: TelegramConversation, user: User, account: Account, text: str) -> None:
    draft = json.loads(conversation.draft)
    today = local_today(account.organization.timezone)
    state = _state(account, draft["left"][0], today)
    if state is None or text == str(SKIP):  # a meter replaced meanwhile is skipped too
        _next(conversation, user, account, draft)
        return
    try:
        value = rules.parse(text)
        rules.check(state, value)
    except rules.InvalidReading as problem:
        reply(conversation.chat_id, str(problem) + "\n" + _("Введите показание ещё раз или нажмите «Пропустить»."))
        return
    if unusual := rules.unusual(state, value, today):
        draft["pending"] = str(value)
        conversation.step, conversation.draft = "confirm", json.dumps(draft)
        reply(conversation.chat_id, _("Расход %(consumption)s %(unit)s намного больше обычного (около %(about)s "
                                      "%(unit)s в месяц). Подтвердить?", consumption=rules.number(unusual.consumption),
                                      unit=state.meter.unit, about=rules.number(unusual.about)),
              keyboard([CONFIRM, RETYPE], [CANCEL]))  # fmt: skip
        return
    draft["values"][str(state.meter.id)] = str(value)
    _next(conversation, user, account, draft)


def _confirm(conversation: TelegramConversation, user: User, account: Account, text: str) -> None:
    draft = json.loads(conversation.draft)
    if text == str(CONFIRM):
        draft["values"][str(draft["left"][0])] = draft["pending"]
        draft["pending"], conversation.step = None, "value"
        _next(conversation, user, account, draft)
    elif text == str(RETYPE):
        draft["pending"], conversation.step, conversation.draft = None, "value", json.dumps(draft)
        _ask(conversation, _state(account, draft["left"][0], local_today(account.organization.timezone)))
    else:
        reply(conversation.chat_id, _("Ответьте кнопкой: сохранить это показание или ввести заново?"))


def _next(conversation: TelegramConversation, user: User, account: Account, draft: dict) -> None:
    """On to the next meter, or save everything given when none is left."""
    draft["left"].pop(0)
    conversation.draft = json.dumps(draft)
    today = local_today(account.organization.timezone)
    if draft["left"]:
        state = _state(account, draft["left"][0], today)
        if state is None:
            _next(conversation, user, account, draft)
        else:
            _ask(conversation, state)
        return
    _finish(conversation, user, account, {int(k): Decimal(v) for k, v in draft["values"].items()}, today)


def _finish(conversation, user: User, account: Account, values: dict[int, Decimal], today) -> None:
    """Save the values and tell what was saved; or why not, when the window closed or the company read a meter while
    the tenant was typing."""
    reset(conversation)
    if not values:
        reply(conversation.chat_id, _("Ничего не передано."), main())
        return
    states = {state.meter.id: state for state in rules.meter_states(account, today)}
    try:
        rules.submit(values, user.id, today)
    except (rules.WindowClosed, rules.TakenToday) as refused:
        reset(conversation)  # after a TakenToday's rollback, the reset above is undone
        reply(conversation.chat_id, str(refused), main())
        return
    saved = [(states[meter_id], value) for meter_id, value in values.items() if meter_id in states]
    link = external_url("readings.show", account_id=account.id)
    text = render_template("telegram/replies/saved.txt", account=account, saved=saved, link=link, number=rules.number)
    reply(conversation.chat_id, text.strip(), main())
