"""The four-step wizard that binds personal accounts ("Привязать лицевой счет"), the first-login address form that
leads into it («Создать»), and unbinding.

The answers live on the server (kabinet.accounts.wizard), the session holding the draft's id; a step reached out of
order sends the tenant back to the first one not done.
"""

from flask import Blueprint, abort, redirect, render_template, session, url_for
from flask_login import current_user
from wtforms import SelectChoice

from kabinet import messages
from kabinet.accounts import addresses, services, wizard
from kabinet.accounts.forms import (
    AddressForm,
    ChooseForm,
    CodeWordForm,
    ConfirmForm,
    ContinueForm,
    NewAddressForm,
    WaitForm,
    WayForm,
)
from kabinet.extensions import db
from kabinet.limits import TooManyAttempts, per_address
from kabinet.messages import notify
from kabinet.models import Organization
from kabinet.organizations import default_organization, organizations, speak_for

bp = Blueprint("accounts", __name__, url_prefix="/accounts")
DRAFT = "binding_draft"  # the session's key: the id of the tenant's draft, nothing more
STEPS = {1: "accounts.bind", 2: None, 3: "accounts.bind_choose", 4: "accounts.bind_finish"}


def _me():
    return current_user._get_current_object()


def _step_two(draft) -> str:
    return "accounts.bind_address" if draft is not None and draft.way == "address" else "accounts.bind_number"


def _draft_for(step: int, way: str | None = None):
    """The live draft, and a redirect to the first step not done when this one is reached too early (or is a step of
    the other way)."""
    draft = wizard.current(_me(), session.get(DRAFT))
    done = draft.done if draft is not None else 0
    if done < step - 1:
        return draft, redirect(url_for(STEPS[done + 1] or _step_two(draft)))
    if way is not None and draft.way != way:
        return draft, redirect(url_for(_step_two(draft)))
    return draft, None



@bp.route("/bind", methods=["GET", "POST"])
def bind():
    """Step 1: by account number and code word, or by address."""
    choices = [SelectChoice(o.id, o.name) for o in organizations()] or [SelectChoice(default_organization().id, "")]
    draft = wizard.current(_me(), session.get(DRAFT))
    form = WayForm(way=draft and draft.way, organization=draft and draft.organization_id)
    form.organization.choices = choices
    if len(choices) == 1:
        form.organization.data = choices[0].value
    if form.validate_on_submit():
        draft = wizard.choose_way(_me(), draft, form.way.data, form.organization.data)
        session[DRAFT] = draft.id
        return redirect(url_for(_step_two(draft)))
    return render_template("accounts/step1.html", form=form, step=1)


@bp.route("/bind/number", methods=["GET", "POST"])
@per_address("RATELIMIT_CODE")
def bind_number():
    """Step 2 by account: the number and the code word the company gave."""
    draft, early = _draft_for(2, way="number")
    if early:
        return early
    # The code word is a secret like a password: it is never kept in the draft nor shown again.
    form = CodeWordForm(number=draft.number)
    if form.validate_on_submit():
        try:
            opened = wizard.open_accounts(draft, _me(), form.number.data, form.code_word.data)
        except TooManyAttempts as refused:
            form.too_many(form.code_word, refused)
        else:
            if opened is wizard.Opened.ACCOUNTS:
                return redirect(url_for("accounts.bind_choose"))
            if opened is wizard.Opened.WRONG:
                form.code_word.errors.append(str(messages.CODE_WORD_WRONG.text))
            else:
                form.number.errors.append(str(messages.ALREADY_BOUND.text))
    speak_for(db.session.get(Organization, draft.organization_id))  # «кодовое слово, которое вам сообщили в …»
    return render_template("accounts/step2_number.html", form=form, step=2), form.http_status


@bp.route("/bind/address", methods=["GET", "POST"])
def bind_address():
    """Step 2 by address: the house and the apartment."""
    draft, early = _draft_for(2, way="address")
    if early:
        return early
    form = AddressForm(building=draft.building_id, premises=draft.premises)
    form.building.choices = [SelectChoice(b.id, b.address) for b in services.buildings(draft.organization_id)]
    if form.validate_on_submit():
        wizard.set_address(draft, form.building.data, form.premises.data)
        return redirect(url_for("accounts.bind_choose"))
    return render_template("accounts/step2_address.html", form=form, step=2)


@bp.route("/bind/choose", methods=["GET", "POST"])
def bind_choose():
    """Step 3: the accounts the code word opens, and the role: owner or resident."""
    draft, early = _draft_for(3)
    if early:
        return early
    form = ChooseForm(accounts=draft.selected or wizard.opened_ids(draft), role=draft.role or None)
    accounts, bound = [], set()
    if draft.way == "address":
        del form.accounts
    else:
        accounts = services.accounts_by_id(wizard.opened_ids(draft))
        bound = services.bound_ids(_me(), wizard.opened_ids(draft))
        form.accounts.choices = [SelectChoice(a.id, a.number) for a in accounts if a.id not in bound]
    if form.validate_on_submit():
        wizard.choose(draft, form.role.data, form.accounts.data if "accounts" in form else [])
        return redirect(url_for("accounts.bind_finish"))
    back = _step_two(draft)
    return render_template("accounts/step3.html", form=form, step=3, accounts=accounts, bound=bound, back=back)


@bp.route("/bind/finish", methods=["GET", "POST"])
def bind_finish():
    """Step 4: review and finish. A second submit (a double click, a refresh) binds nothing twice."""
    draft, early = _draft_for(4)
    form = ConfirmForm()
    if early:
        # A second click of a double click names the draft the first one finished: nothing to show but the result.
        return redirect(url_for("cabinet.home")) if form.is_submitted() and wizard.spent(session.get(DRAFT)) else early
    if form.validate_on_submit():
        return _finish(draft)
    accounts = services.accounts_by_id(draft.selected)
    building = next((b for b in services.buildings(draft.organization_id) if b.id == draft.building_id), None)
    return render_template("accounts/step4.html", form=form, step=4, draft=draft, accounts=accounts, building=building)


def _finish(draft):
    done = messages.BINDING_REQUESTED if draft.way == "address" else messages.ACCOUNTS_BOUND
    try:
        finished = wizard.finish(draft, _me())
    except wizard.CodeWordChanged:
        notify(messages.CODE_WORD_CHANGED)
        return redirect(url_for("accounts.bind_number"))
    session.pop(DRAFT, None)
    if finished:
        notify(done)
    return redirect(url_for("cabinet.home"))


@bp.route("/<int:account_id>/unbind", methods=["POST"])
def unbind(account_id):
    """Remove an account from the cabinet (it stays with the company and with the other tenants bound to it)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not services.unbind(current_user, account_id):
        abort(404)
    notify(messages.ACCOUNT_UNBOUND)
    return redirect(url_for("profile.index"))


def _address_page(form, houses=None):
    """The address form as typed and, once looked up, the houses found to continue with (ContinueForm) or, with
    none, the waiting list (WaitForm); a form of either kind that failed is shown with its own errors."""
    proceed = wait = None
    carried = {"formdata": None, "obj": form.typed, "premises": form.premises.data, "role": form.role.data}
    if houses:
        proceed = form if isinstance(form, ContinueForm) else ContinueForm(**carried)
        proceed.building.choices = [SelectChoice(b.id, f"{b.address} — {b.organization.name}") for b in houses]
        if proceed.building.data not in {b.id for b in houses}:
            proceed.building.data = houses[0].id
    elif houses is not None:
        wait = form if isinstance(form, WaitForm) else WaitForm(**carried, email=current_user.email)
    return render_template("accounts/address.html", form=form, houses=houses, proceed=proceed, wait=wait)


@bp.route("/address", methods=["GET", "POST"])
def address():
    """The first-login address form («Создать»): the house is looked up among the organizations' houses."""
    form = NewAddressForm(role="owner")
    if form.validate_on_submit():
        return _address_page(form, addresses.find_houses(form.typed))
    return _address_page(form)


@bp.route("/address/continue", methods=["POST"])
def address_continue():
    """Go on with the house found: to the code word with its organization, or a request to its staff."""
    form = ContinueForm()
    houses = {b.id: b for b in addresses.find_houses(form.typed)}
    form.building.choices = [SelectChoice(i, b.address) for i, b in houses.items()]
    if not form.validate_on_submit():
        return _address_page(form, list(houses.values()) if set(form.errors) <= {"building", "way"} else None)
    building = houses[form.building.data]
    if form.way.data == "number":
        session[DRAFT] = wizard.start_with(_me(), building.organization_id, form.role.data).id
        return redirect(url_for("accounts.bind_number"))
    services.request_by_address(_me(), building.id, form.premises.data, form.role.data)
    notify(messages.BINDING_REQUESTED)
    return redirect(url_for("cabinet.home"))


@bp.route("/address/wait", methods=["POST"])
@per_address("RATELIMIT_FEEDBACK")  # each row is an e-mail to come: not a way to mail strangers in bulk
def address_wait():
    """Leave an e-mail to be told when the house's organization joins the platform."""
    form = WaitForm()
    if not form.validate_on_submit():
        return _address_page(form, [] if set(form.errors) <= {"email"} else None)
    addresses.wait(form.email.data, form.typed, form.premises.data)
    notify(messages.ADDRESS_WAITING, email=form.email.data)
    return redirect(url_for("accounts.address"))
