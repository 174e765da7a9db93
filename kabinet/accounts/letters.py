"""The printable letters that give owners their code words: one page per owner, to put in mailboxes."""

from functools import cache

import font_roboto
from fpdf import FPDF

from kabinet.models import Account, Organization


@cache
def _fonts() -> dict[str, str]:
    # Roboto has Cyrillic, «», № and ₽; fpdf2 ships none of them.
    return {"": font_roboto.Roboto, "B": font_roboto.RobotoBold}


def code_word_letters(organization: Organization, letters: list[tuple[list[Account], str]], base_url: str) -> bytes:
    """A PDF with a letter per (accounts of one owner, their code word)."""
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    for style, path in _fonts().items():
        pdf.add_font("Roboto", style, path)
    for accounts, code_word in letters:
        pdf.add_page()
        _letter(pdf, organization, accounts, code_word, base_url)
    return bytes(pdf.output())


def _letter(pdf: FPDF, organization: Organization, accounts: list[Account], code_word: str, base_url: str) -> None:
    first = accounts[0]
    pdf.set_font("Roboto", "B", 14)
    pdf.multi_cell(0, 8, organization.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "", 10)
    if organization.phones:
        pdf.multi_cell(0, 6, f"Телефон: {organization.phones}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Roboto", "", 12)
    pdf.multi_cell(0, 7, f"Собственнику: {first.owner_name or 'собственник помещения'}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Roboto", "B", 13)
    pdf.multi_cell(0, 8, "Кодовое слово для личного кабинета", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "", 11)
    pdf.multi_cell(
        0, 6,
        "С ним вы привяжете свои лицевые счета в личном кабинете жителя: увидите баланс и начисления, "
        "передадите показания счётчиков, распечатаете квитанцию, отправите заявку в аварийно-диспетчерскую службу.",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    pdf.ln(3)
    for account in accounts:
        pdf.multi_cell(0, 6, f"Лицевой счёт № {account.number}: {account.address}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Roboto", "B", 22)
    pdf.cell(0, 14, code_word, border=1, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Roboto", "", 11)
    steps = [
        f"1. Откройте {base_url} и нажмите «Регистрация» (если вы уже зарегистрированы — войдите).",
        "2. Нажмите «Привязать лицевой счет» и выберите способ «По лицевому счету».",
        f"3. Введите номер лицевого счёта ({first.number}) и кодовое слово, нажмите «Далее».",
        "4. Отметьте свои лицевые счета, выберите «Собственник» и завершите привязку.",
    ]
    for step in steps:
        pdf.multi_cell(0, 6, step, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Roboto", "", 9)
    pdf.multi_cell(
        0, 5,
        "Не сообщайте кодовое слово посторонним: с ним можно увидеть данные ваших лицевых счетов. "
        "Если письмо потерялось, обратитесь в офис компании за новым кодовым словом — прежнее перестанет действовать.",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
