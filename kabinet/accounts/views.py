"""The four-step wizard that binds personal accounts ("Привязать лицевой счет"), and unbinding.

The draft lives in the signed session: what the server verified (the accounts a code word opened) cannot be
forged from the browser, and a step reached out of order sends the tenant back to the first one not done.
"""

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from kabinet import messages
from kabinet.accounts import services
from kabinet.accounts.forms import AddressForm, ChooseForm, CodeWordForm, ConfirmForm, WayForm
from kabinet.limits import per_address
from kabinet.messages import notify
from kabinet.organizations import default_organization, organizations

bp = Blueprint("accounts", __name__, url_prefix="/accounts")
DRAFT = "binding_draft"
STEPS = {1: "accounts.bind", 2: None, 3: "accounts.bind_choose", 4: "accounts.bind_finish"}


def _draft() -> dict:
    return session.get(DRAFT, {})


def _save(**changes) -> None:
    session[DRAFT] = {**_draft(), **changes}


def _step_two() -> str:
    return "accounts.bind_address" if _draft().get("way") == "address" else "accounts.bind_number"


def _out_of_order(step: int):
    """A redirect to the first step not done, when this one is reached too early."""
    done = _draft().get("done", 0)
    if done >= step - 1:
        return None
    return redirect(url_for(STEPS[done + 1] or _step_two()))


@bp.before_request
@login_required
def _tenants_only():
    """Every page of the wizard is the logged-in tenant's own."""


@bp.route("/bind", methods=["GET", "POST"])
def bind():
    """Step 1: by account number and code word, or by address."""
    choices = [SelectChoice(o.id, o.name) for o in organizations()] or [SelectChoice(default_organization().id, "")]
    draft = _draft()
    form = WayForm(way=draft.get("way"), organization=draft.get("organization"))
    form.organization.choices = choices
    if len(choices) == 1:
        form.organization.data = choices[0].value
    if form.validate_on_submit():
        if form.way.data != draft.get("way") or form.organization.data != draft.get("organization"):
            session[DRAFT] = {}
        _save(way=form.way.data, organization=form.organization.data, done=1)
        return redirect(url_for(_step_two()))
    return render_template("accounts/step1.html", form=form, step=1)


@bp.route("/bind/number", methods=["GET", "POST"])
@per_address("RATELIMIT_CODE")
def bind_number():
    """Step 2 by account: the number and the code word the company gave."""
    if early := _out_of_order(2):
        return early
    draft = _draft()
    # The code word is a secret like a password: it is never kept in the (readable) session cookie nor shown again.
    form = CodeWordForm(number=draft.get("number"))
    if form.validate_on_submit():
        try:
            opened = services.open_by_code_word(
                current_user, draft["organization"], form.number.data, form.code_word.data, request.remote_addr or ""
            )
        except services.TooManyAttempts:
            form.code_word.errors.append(str(messages.CODE_WORD_LIMIT.text))
        else:
            if not opened:
                form.code_word.errors.append(str(messages.CODE_WORD_WRONG.text))
            elif services.bound_ids(current_user, [a.id for a in opened]) == {a.id for a in opened}:
                form.number.errors.append(str(messages.ALREADY_BOUND.text))
            else:
                _save(number=form.number.data, opened=[a.id for a in opened], done=2)
                return redirect(url_for("accounts.bind_choose"))
    return render_template("accounts/step2_number.html", form=form, step=2)


@bp.route("/bind/address", methods=["GET", "POST"])
def bind_address():
    """Step 2 by address: the house and the apartment."""
    if early := _out_of_order(2):
        return early
    draft = _draft()
    form = AddressForm(building=draft.get("building"), premises=draft.get("premises"))
    form.building.choices = [SelectChoice(b.id, b.address) for b in services.buildings(draft["organization"])]
    if form.validate_on_submit():
        _save(building=form.building.data, premises=form.premises.data, done=2)
        return redirect(url_for("accounts.bind_choose"))
    return render_template("accounts/step2_address.html", form=form, step=2)


@bp.route("/bind/choose", methods=["GET", "POST"])
def bind_choose():
    """Step 3: the accounts the code word opens, and the role: owner or resident."""
    if early := _out_of_order(3):
        return early
    draft = _draft()
    form = ChooseForm(accounts=draft.get("selected", draft.get("opened")), role=draft.get("role"))
    accounts, bound = [], set()
    if draft["way"] == "address":
        del form.accounts
    else:
        accounts = services.accounts_by_id(draft["opened"])
        bound = services.bound_ids(current_user, draft["opened"])
        form.accounts.choices = [SelectChoice(a.id, a.number) for a in accounts if a.id not in bound]
    if form.validate_on_submit():
        _save(role=form.role.data, selected=form.accounts.data if "accounts" in form else [], done=3)
        return redirect(url_for("accounts.bind_finish"))
    return render_template("accounts/step3.html", form=form, step=3, accounts=accounts, bound=bound, back=_step_two())


@bp.route("/bind/finish", methods=["GET", "POST"])
def bind_finish():
    """Step 4: review and finish. A second submit (a double click, a refresh) binds nothing twice."""
    if early := _out_of_order(4):
        return early
    draft = _draft()
    form = ConfirmForm()
    if form.validate_on_submit():
        if draft["way"] == "address":
            services.request_by_address(current_user, draft["building"], draft["premises"], draft["role"])
            notify(messages.BINDING_REQUESTED)
        else:
            services.bind(current_user, draft["selected"], draft["role"], "code_word")
            notify(messages.ACCOUNTS_BOUND)
        session.pop(DRAFT, None)
        return redirect(url_for("cabinet.home"))
    accounts = services.accounts_by_id(draft.get("selected", []))
    building = next((b for b in services.buildings(draft["organization"]) if b.id == draft.get("building")), None)
    return render_template("accounts/step4.html", form=form, step=4, draft=draft, accounts=accounts, building=building)


@bp.route("/<int:account_id>/unbind", methods=["POST"])
def unbind(account_id):
    """Remove an account from the cabinet (it stays with the company and with the other tenants bound to it)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not services.unbind(current_user, account_id):
        abort(404)
    notify(messages.ACCOUNT_UNBOUND)
    return redirect(url_for("profile.index"))
