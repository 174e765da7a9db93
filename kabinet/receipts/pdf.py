"""The receipt as a one-page A4 PDF, laid out like the single payment document (ЕПД), with its payment QR code (a
Kazakh payee's: with the requisites to pay by in its lines, and no code)."""

import io
import tempfile
from datetime import date
from functools import cache
from pathlib import Path

import font_roboto
from flask_babel import gettext as _
from fontTools import subset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import FontFace

from kabinet import filters
from kabinet.receipts.services import (
    QR_UNAVAILABLE,
    Receipt,
    money,
    month_name,
    no_payment_needed,
    payee_lines,
    qr_png,
    quantity,
    tariff,
)

WIDTH = 186  # A4 less 12 mm margins
QR_SIZE = 40
HEADING = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
# What a receipt is written in: Latin and Cyrillic (Kazakh letters included), punctuation, №, ₸, ₽, ², minus.
CHARACTERS = [*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x400, 0x530), *range(0x2010, 0x2060), 0x20B8, 0x20BD,
              0x2116, 0x2212]  # fmt: skip


@cache
def _fonts() -> tuple[tempfile.TemporaryDirectory, dict[str, Path]]:
    """Roboto (it has Cyrillic, «», №, ₸ and ₽; fpdf2 ships none) cut to CHARACTERS once per process, in a folder that
    lives as long as the process.

    fpdf2 reads the whole font for every document and subsets it again on output, and it cannot share a loaded font
    between documents (it subsets the shared tables in place). Roboto's 3,000 glyphs made that most of a receipt's
    time; its 700 Latin and Cyrillic ones take a fraction. A character outside them is left out with a warning.
    """
    folder = tempfile.TemporaryDirectory(prefix="kabinet-fonts-")
    paths = {}
    for style, source in {"": font_roboto.Roboto, "B": font_roboto.RobotoBold}.items():
        font = TTFont(source)
        options = subset.Options(notdef_outline=True, recommended_glyphs=True, layout_features=[], hinting=False)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=CHARACTERS)
        subsetter.subset(font)
        paths[style] = Path(folder.name) / f"Roboto{style}.ttf"
        font.save(paths[style])
    return folder, paths


def receipt_pdf(receipt: Receipt, today: date) -> bytes:
    """The PDF of the receipt, printed on `today` (a receipt that needs no payment says so as of that day)."""
    pdf = FPDF(format="A4")
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, 12)
    for style, path in _fonts()[1].items():
        pdf.add_font("Roboto", style, path)
    pdf.set_title(_("Квитанция за %(period)s", period=month_name(receipt.month)))
    pdf.add_page()
    _header(pdf, receipt)
    _payee(pdf, receipt)
    _payer(pdf, receipt)
    _summary(pdf, receipt, no_payment_needed(receipt, today))
    _services(pdf, receipt)
    return bytes(pdf.output())


def _line(pdf: FPDF, text: str, size: float = 9, style: str = "", width: float = 0) -> None:
    pdf.set_font("Roboto", style, size)
    pdf.multi_cell(width, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")


def _header(pdf: FPDF, receipt: Receipt) -> None:
    _line(pdf, _("Единый платёжный документ"), 13, "B")
    _line(pdf, _("для внесения платы за жилищно-коммунальные услуги за %(period)s", period=month_name(receipt.month)))
    pdf.ln(3)


def _payee(pdf: FPDF, receipt: Receipt) -> None:
    organization, top = receipt.account.organization, pdf.get_y()
    text_width = WIDTH - QR_SIZE - 6 if receipt.by_qr_code else WIDTH
    _line(pdf, _("Получатель платежа"), 8, width=text_width)
    _line(pdf, organization.name, 10, "B", text_width)
    for text in payee_lines(organization):
        _line(pdf, text, width=text_width)
    bottom = pdf.get_y()
    pdf.set_xy(12 + WIDTH - QR_SIZE, top)
    if receipt.payload:
        pdf.image(io.BytesIO(qr_png(receipt.payload)), x=12 + WIDTH - QR_SIZE, y=top, w=QR_SIZE, h=QR_SIZE)
        pdf.set_xy(12 + WIDTH - QR_SIZE, top + QR_SIZE)
        pdf.set_font("Roboto", "", 7)
        pdf.multi_cell(QR_SIZE, 3, _("Оплата по QR-коду в приложении банка"), align="C")
        bottom = max(bottom, top + QR_SIZE + 7)
    elif receipt.by_qr_code and not receipt.nothing_due:
        pdf.set_font("Roboto", "", 8)
        pdf.multi_cell(QR_SIZE, 3.5, str(QR_UNAVAILABLE), border=1, padding=1.5)
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(12, bottom + 2)


def _payer(pdf: FPDF, receipt: Receipt) -> None:
    account = receipt.account
    _line(pdf, _("Плательщик"), 8)
    _line(pdf, account.owner_name or _("Собственник помещения"), 10, "B")
    _line(pdf, account.address)
    facts = [_("Лицевой счёт № %(number)s", number=account.number)]
    if account.area:
        facts.append(_("площадь %(area)s м²", area=quantity(account.area)))
    facts.append(_("проживает: %(count)s", count=account.residents))
    _line(pdf, ", ".join(facts))
    pdf.ln(3)


def _summary(pdf: FPDF, receipt: Receipt, no_payment: str | None) -> None:
    month, currency = receipt.ledger, receipt.account.organization.currency
    written = lambda value: filters.money(value, currency)  # noqa: E731
    rows = [
        (_("Задолженность на начало периода") if month.opening >= 0 else _("Аванс на начало периода"),
         written(abs(month.opening))),
        (_("Начислено за период"), written(month.charged)),
        (_("Перерасчёт"), written(month.recalculated)),
        (_("Оплачено в периоде"), written(month.paid)),
    ]  # fmt: skip
    if receipt.advance:
        rows.append((_("Переплата на конец периода"), written(receipt.advance)))
    # One line each, so plain cells: fpdf2's tables measure every cell twice and would double the page's cost.
    pdf.set_font("Roboto", "", 9)
    for label, amount in rows:
        pdf.cell(140, 5.5, label, border="B")
        pdf.cell(46, 5.5, amount, border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "B", 10)
    pdf.set_fill_color(*HEADING.fill_color.colors255)
    pdf.cell(140, 7, _("Итого к оплате"), fill=True)
    pdf.cell(46, 7, written(receipt.to_pay), align="R", fill=True, new_x="LMARGIN", new_y="NEXT")
    if no_payment:
        pdf.ln(1)
        _line(pdf, no_payment, 10, "B")
    pdf.ln(4)


def _services(pdf: FPDF, receipt: Receipt) -> None:
    month = receipt.ledger
    pdf.set_font("Roboto", "", 8)
    sign = receipt.sign
    headings = (_("Услуга"), _("Объём"), _("Ед. изм."), _("Тариф, %(sign)s", sign=sign),
                _("Начислено, %(sign)s", sign=sign), _("Перерасчёт, %(sign)s", sign=sign),
                _("Итого, %(sign)s", sign=sign))  # fmt: skip
    with pdf.table(
        col_widths=(56, 20, 14, 22, 24, 24, 26),
        text_align=("LEFT", "RIGHT", "CENTER", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=HEADING,
    ) as table:
        table.row(headings)
        for charge in month.services:
            table.row((charge.service, quantity(charge.quantity), charge.unit, tariff(charge.tariff),
                       money(charge.amount), money(charge.recalculation),
                       money(charge.amount + charge.recalculation)))  # fmt: skip
        table.row((_("Всего"), "", "", "", money(month.charged), money(month.recalculated),
                   money(month.charged + month.recalculated)), style=HEADING)  # fmt: skip
