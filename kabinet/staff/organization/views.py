"""The admin's «Организация»: the organization's settings in one form, its houses (list, add, rename), and its
notices to tenants («Уведомления жителям»)."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from kabinet import messages
from kabinet.messages import notify
from kabinet.notifications import organization as settings
from kabinet.staff.access import organization, staff_required
from kabinet.staff.accounts import bindings
from kabinet.staff.organization import services
from kabinet.staff.organization.forms import ADDRESS_TAKEN, SETTINGS_FORMS, HouseForm, notices_form

bp = Blueprint("staff_organization", __name__, url_prefix="/staff/organization")


@bp.route("/", methods=["GET", "POST"])
@staff_required("admin")
def index():
    """The country, requisites, contacts, readings window, agreement and e-mail signature; «Сохранить» stores them."""
    company = organization()
    form = SETTINGS_FORMS[company.country](obj=company)
    if form.validate_on_submit():
        country = company.country
        made = services.save_settings(company, form.values(), by=current_user._get_current_object())
        if blanked := services.blanked(made):
            notify(messages.ORGANIZATION_REQUISITES_BLANKED, fields=", ".join(blanked))
        else:
            saved = messages.ORGANIZATION_SAVED if made else messages.ORGANIZATION_UNCHANGED
            notify(messages.ORGANIZATION_COUNTRY_CHANGED if company.country != country else saved)
        return redirect(url_for("staff_organization.index"))
    return render_template("staff/organization/index.html", form=form), form.http_status


def _stored(form: HouseForm, store) -> bool:
    """Store the typed address; False, with the message beside the field, when the form or a race refuses it."""
    if not form.validate_on_submit():
        return False
    try:
        store(form.address.data)
    except services.AddressTaken:
        form.address.errors.append(ADDRESS_TAKEN)
        return False
    return True


@bp.route("/houses", methods=["GET", "POST"])
@staff_required("admin")
def houses():
    """The organization's houses with their open accounts; «Добавить дом»."""
    company, me = organization(), current_user._get_current_object()
    form = HouseForm(company)
    if _stored(form, lambda address: services.add_house(company, address, by=me)):
        notify(messages.HOUSE_ADDED, address=form.address.data)
        return redirect(url_for("staff_organization.houses"))
    return render_template("staff/organization/houses.html", houses=bindings.houses(company), form=form)


@bp.route("/houses/<int:building_id>", methods=["GET", "POST"])
@staff_required("admin")
def house(building_id):
    """Correct a house's address; it changes everywhere the house is shown."""
    company = organization()
    building = services.house_of(company, building_id)
    if building is None:
        abort(404)
    form = HouseForm(company, building)
    if _stored(form, lambda address: services.rename_house(building, address, by=current_user._get_current_object())):
        notify(messages.HOUSE_RENAMED, address=building.address)
        return redirect(url_for("staff_organization.houses"))
    return render_template("staff/organization/house.html", house=building, form=form)


@bp.route("/notices", methods=["GET", "POST"])
@staff_required("admin")
def notices():
    """«Уведомления жителям»: which reminders the organization sends, the debt reminder's day and threshold."""
    company = organization()
    current = settings.notices_of(company)
    form = notices_form(settings.kinds_on(current), obj=current)
    if form.validate_on_submit():
        me = current_user._get_current_object()
        settings.save_notices(company, form.sends(), form.debt_day.data, form.debt_minimum.amount, by=me)
        notify(messages.ORGANIZATION_NOTICES_SAVED)
        return redirect(url_for("staff_organization.notices"))
    return render_template("staff/organization/notices.html", form=form, kinds=settings.SCHEDULED)
