"""Routes of the back office: accounts, their meters and readings, code words and binding approvals."""

from io import BytesIO

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from kabinet import messages
from kabinet.accounts.letters import code_word_letters
from kabinet.clock import local_today, utcnow
from kabinet.dispatch.services import STATUS_LABELS
from kabinet.extensions import db
from kabinet.messages import notify
from kabinet.models import Account, Building, User
from kabinet.readings.services import KIND_NAMES
from kabinet.staff.access import organization, staff_required
from kabinet.staff.accounts import bindings, debtors, services
from kabinet.staff.accounts.forms import (
    ActionForm,
    ApproveBindingForm,
    CorrectReadingForm,
    GenerateCodeWordsForm,
    RejectBindingForm,
    ReplaceMeterForm,
    SearchForm,
)
from kabinet.urls import page_number

bp = Blueprint("staff_accounts", __name__, url_prefix="/staff/accounts")


@bp.context_processor
def _labels():
    return {"kind_names": KIND_NAMES, "statuses": STATUS_LABELS}


def _staff() -> User:
    return current_user._get_current_object()


def _account(account_id: int) -> Account:
    return services.account_of(organization(), account_id) or abort(404)


def _refused(form, refused: services.Refused) -> None:
    getattr(form, refused.field).errors.append(refused.message)


def _letters_pdf(letters, name: str):
    pdf = code_word_letters(organization(), letters, current_app.config["BASE_URL"])
    db.session.commit()  # only once the letters exist: a code word nobody can read would lock its owner out
    return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.route("/")
@staff_required("accountant")
def index():
    """Find an account by number, address or owner."""
    form = SearchForm(request.args)
    text = form.q.data if form.validate() else ""
    found = services.search(organization(), text, page_number()) if text else None
    return render_template("staff/accounts/index.html", form=form, found=found)


@bp.route("/debtors", endpoint="debtors")
@staff_required("accountant")
def debtors_list():
    """The accounts that owe, the largest debt first, with their debts and the total the dashboard shows."""
    company = organization()
    listed = debtors.debtors(company, page_number())
    return render_template("staff/accounts/debtors.html", listed=listed, total=debtors.total_debt(company))


@bp.route("/<int:account_id>")
@staff_required("accountant")
def show(account_id):
    """The account's tenants, meters, readings, charges, payments, requests and balance."""
    overview = services.overview(_account(account_id), local_today())
    return render_template("staff/accounts/show.html", overview=overview, action=ActionForm())


@bp.route("/<int:account_id>/tenants/<int:binding_id>/unbind", methods=["POST"])
@staff_required("accountant")
def unbind(account_id, binding_id):
    """Take the account away from one tenant's cabinet."""
    binding = services.binding_of(_account(account_id), binding_id) or abort(404)
    if ActionForm().validate_on_submit():
        tenant = db.session.get(User, binding.user_id)
        services.unbind(binding)
        notify(messages.STAFF_ACCOUNT_UNBOUND, name=tenant.full_name)
    return redirect(url_for(".show", account_id=account_id))


@bp.route("/<int:account_id>/meters/<int:meter_id>/replace", methods=["GET", "POST"])
@staff_required("accountant")
def replace_meter(account_id, meter_id):
    """Close a meter with its final reading and open the new one with its initial reading."""
    account = _account(account_id)
    meter = services.meter_of(account, meter_id)
    if meter is None or not meter.is_active:
        abort(404)
    form = ReplaceMeterForm(taken_serials=services.serials(account), kind=meter.kind, replaced_on=local_today())
    if form.validate_on_submit():
        try:
            new = services.replace_meter(meter, form.replacement(), _staff())
        except services.Refused as refused:
            _refused(form, refused)
        else:
            notify(messages.STAFF_METER_REPLACED, serial=new.serial)
            return redirect(url_for(".show", account_id=account_id))
    return render_template("staff/accounts/replace_meter.html", account=account, meter=meter, form=form)


@bp.route("/<int:account_id>/readings/<int:reading_id>/correct", methods=["GET", "POST"])
@staff_required("accountant")
def correct_reading(account_id, reading_id):
    """Put the right value in place of a wrong reading, with the reason."""
    account = _account(account_id)
    reading = services.reading_of(account, reading_id) or abort(404)
    form = CorrectReadingForm()
    if form.validate_on_submit():
        try:
            services.correct_reading(reading, form.value.data, form.reason.data, _staff())
        except services.Refused as refused:
            _refused(form, refused)
        else:
            notify(messages.STAFF_READING_CORRECTED)
            return redirect(url_for(".show", account_id=account_id))
    return render_template("staff/accounts/correct_reading.html", account=account, reading=reading, form=form)


@bp.route("/<int:account_id>/codeword", methods=["GET", "POST"])
@staff_required("accountant")
def new_code_word(account_id):
    """Once confirmed, a new code word for the account (the old one stops working): the letter to print, as a PDF."""
    account = _account(account_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return render_template("staff/accounts/new_code_word.html", account=account, form=form)
    code_word = services.new_code_word(account, utcnow())
    return _letters_pdf([([account], code_word)], f"codeword-{account.number}.pdf")


@bp.route("/codewords", methods=["GET", "POST"])
@staff_required("accountant")
def code_words():
    """The houses with their code-word counts; code words for a house's accounts that have none, as letters."""
    houses = bindings.houses(organization())
    form = GenerateCodeWordsForm()
    form.building.choices = [(house.building.id, house.building.address) for house in houses]
    if form.validate_on_submit():
        building = db.session.get(Building, form.building.data)
        letters = bindings.generate(organization(), building, utcnow())
        if letters:
            return _letters_pdf(letters, f"codewords-{utcnow():%Y%m%d-%H%M%S}.pdf")
        notify(messages.STAFF_CODE_WORDS_NONE)
        return redirect(url_for(".code_words"))
    return render_template("staff/accounts/code_words.html", houses=houses, form=form)


@bp.route("/bindings")
@staff_required("accountant")
def binding_requests():
    """Requests to bind an account by address that wait for a decision, the oldest first."""
    listed = bindings.pending(organization(), page_number())
    return render_template("staff/accounts/bindings.html", listed=listed)


@bp.route("/bindings/<int:request_id>", methods=["GET"])
@staff_required("accountant")
def binding_request(request_id):
    """One request: the tenant, the address asked for, the accounts there; approve or reject."""
    return _decide(request_id, ApproveBindingForm(), RejectBindingForm(), act=None)


@bp.route("/bindings/<int:request_id>/approve", methods=["POST"])
@staff_required("accountant")
def approve_binding(request_id):
    """Bind the chosen account to the tenant."""
    return _decide(request_id, ApproveBindingForm(), RejectBindingForm(formdata=None), act="approve")


@bp.route("/bindings/<int:request_id>/reject", methods=["POST"])
@staff_required("accountant")
def reject_binding(request_id):
    """Refuse the request, with a reason for the tenant."""
    return _decide(request_id, ApproveBindingForm(formdata=None), RejectBindingForm(), act="reject")


def _decide(request_id: int, approve: ApproveBindingForm, reject: RejectBindingForm, act: str | None):
    """Approve or reject when asked to and the form is right; else the request's page with both forms as filled."""
    binding_request = bindings.request_of(organization(), request_id) or abort(404)
    if binding_request.state != "pending":
        notify(messages.STAFF_BINDING_DECIDED)
        return redirect(url_for(".binding_requests"))
    accounts = {account.id: account for account in bindings.candidates(binding_request)}
    approve.account.choices = [(a.id, f"№ {a.number} · {a.address} · {a.owner_name}") for a in accounts.values()]
    if act == "approve" and approve.validate_on_submit():
        account = accounts[approve.account.data]
        approved = bindings.approve(binding_request, account, _staff(), utcnow())
        notify(messages.STAFF_BINDING_APPROVED if approved else messages.STAFF_BINDING_DECIDED, number=account.number)
        return redirect(url_for(".binding_requests"))
    if act == "reject" and reject.validate_on_submit():
        rejected = bindings.reject(binding_request, reject.reason.data, _staff(), utcnow())
        notify(messages.STAFF_BINDING_REJECTED if rejected else messages.STAFF_BINDING_DECIDED)
        return redirect(url_for(".binding_requests"))
    return render_template(
        "staff/accounts/binding.html",
        binding_request=binding_request,
        tenant=db.session.get(User, binding_request.user_id),
        approve=approve,
        reject=reject,
    )
