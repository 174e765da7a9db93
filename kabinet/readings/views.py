"""Meter readings ("Передать показания"): the account's meters with one form for all, and each meter's history."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import format_date
from flask_login import current_user

from kabinet import messages
from kabinet.accounts import services as accounts
from kabinet.auth.signed_in import reads_only
from kabinet.cabinet.access import account_or_404, first_account
from kabinet.clock import local_today
from kabinet.messages import notify
from kabinet.readings import services
from kabinet.readings.forms import ReadingsForm

bp = Blueprint("readings", __name__, url_prefix="/readings")



@bp.route("/")
@reads_only
def index():
    """The readings of the tenant's first account."""
    return first_account("readings.show")


@bp.route("/<int:account_id>", methods=["GET", "POST"])
def show(account_id):
    """Every active meter with its last reading and a field for the new one; unusual values are confirmed first."""
    account = account_or_404(account_id)
    today = local_today(account.organization.timezone)  # the window's days are the organization's
    states = services.meter_states(account, today)
    intake = services.intake(account.organization, today)
    form = ReadingsForm.for_meters(states)
    if form.is_submitted() and not intake.is_open:  # a page left open past the window's end
        notify(messages.READINGS_CLOSED, date=format_date(intake.next_opening, "d MMMM"))
        return redirect(url_for("readings.show", account_id=account.id))
    unusual = []
    if form.validate_on_submit() and not (unusual := form.unconfirmed(today)):
        try:
            services.submit(form.values, current_user.id, today)
        except services.TakenToday as taken:  # the company read the meter while the tenant was typing
            form.refuse(taken.meter_id, taken)
        else:
            notify(messages.READINGS_SAVED)
            return redirect(url_for("readings.show", account_id=account.id))
    bindings = accounts.bindings(current_user)
    return render_template(
        "readings/show.html",
        account=account,
        bindings=bindings,
        states=states,
        form=form,
        unusual=unusual,
        intake=intake,
    )


@bp.route("/<int:account_id>/meters/<int:meter_id>")
@reads_only
def meter(account_id, meter_id):
    """One meter's readings month by month, their corrections, and a chart of the consumption."""
    account = account_or_404(account_id)
    meter = services.meter_of(account, meter_id) or abort(404)
    rows = services.history(meter)
    return render_template(
        "readings/meter.html",
        account=account,
        meter=meter,
        name=services.KIND_NAMES.get(meter.kind, meter.kind),
        rows=rows,
        bars=services.chart(rows),
        chart_size=(services.CHART_WIDTH, services.CHART_HEIGHT),
        verification=services.verification(meter, local_today()),
    )
