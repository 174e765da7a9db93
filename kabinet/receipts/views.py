"""The receipts of an account ("Распечатать квитанцию"): the list by month, the printable page, its QR code and PDF."""

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user

from kabinet.accounts import services as accounts
from kabinet.auth.signed_in import reads_only
from kabinet.cabinet.access import account_or_404, first_account
from kabinet.clock import local_today
from kabinet.receipts import services
from kabinet.receipts.pdf import receipt_pdf

bp = Blueprint("receipts", __name__, url_prefix="/receipts")


def _receipt_or_404(account_id: int, month: str) -> services.Receipt:
    """The tenant's receipt; 404 for another tenant's account, a month not written YYYY-MM, or one without charges."""
    account = account_or_404(account_id)
    first_day = services.parse_month(month)
    found = services.receipt(account, first_day) if first_day else None
    if found is None:
        abort(404)
    return found


def _payload_or_404(account_id: int, month: str) -> tuple[services.Receipt, str]:
    """The receipt and its QR code's text; 404 as for the receipt, and for a receipt that carries no QR code."""
    receipt = _receipt_or_404(account_id, month)
    return receipt, receipt.payload or abort(404)


def _private(body: bytes, mimetype: str, headers=()) -> Response:
    # The receipt carries the payer's name and address: no browser or proxy may keep a copy.
    return Response(body, mimetype=mimetype, headers={"Cache-Control": "no-store", **dict(headers)})


def _attachment(receipt: services.Receipt, extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{services.file_name(receipt, extension)}"'}


@bp.context_processor
def _formats():
    """How the receipt pages write money, volumes, tariffs and months, and a receipt without a QR code: the same as
    the PDF."""
    formats = {name: getattr(services, name) for name in ("money", "quantity", "tariff", "month_name", "file_name")}
    return {**formats, "qr_unavailable": services.QR_UNAVAILABLE}



@bp.route("/")
@reads_only
def index():
    """The receipts of the tenant's first account."""
    return first_account("receipts.list")


@bp.route("/<int:account_id>", endpoint="list")
@reads_only
def months(account_id):
    """The receipts of past months, newest first, each with its total."""
    account = account_or_404(account_id)
    return render_template(
        "receipts/list.html",
        account=account,
        months=services.receipts(account),
        bindings=accounts.bindings(current_user),
        settled=services.settled(account),
    )


@bp.route("/<int:account_id>/<month>")
@reads_only
def show(account_id, month):
    """The receipt of one month as a printable page, like the single payment document."""
    receipt = _receipt_or_404(account_id, month)
    return render_template(
        "receipts/show.html",
        receipt=receipt,
        account=receipt.account,
        ledger=receipt.ledger,
        no_payment=services.no_payment_needed(receipt, local_today()),
        payee=services.payee_lines(receipt.account.organization),
        details=services.payment_details(receipt),
    )


@bp.route("/<int:account_id>/<month>/qr.png")
@reads_only
def qr(account_id, month):
    """The payment QR code of the receipt, for the page's <img>."""
    _receipt, payload = _payload_or_404(account_id, month)
    return _private(services.qr_png(payload), "image/png")


@bp.route("/<int:account_id>/<month>/qr-code.png")
@reads_only
def save_qr(account_id, month):
    """The same QR code as a file to keep on a phone, whose banking app reads it back from the gallery."""
    receipt, payload = _payload_or_404(account_id, month)
    return _private(services.qr_png(payload, scale=8), "image/png", _attachment(receipt, "png"))


@bp.route("/<int:account_id>/<month>.pdf")
@reads_only
def pdf(account_id, month):
    """The receipt as a PDF to download and print."""
    receipt = _receipt_or_404(account_id, month)
    return _private(receipt_pdf(receipt, local_today()), "application/pdf", _attachment(receipt, "pdf"))
