"""Routes of the back office: the accounting files uploaded with a preview, and the month's readings exported."""

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import current_user

from kabinet import messages
from kabinet.clock import local_today
from kabinet.imports.columns import FORMATS, TITLES, as_written
from kabinet.imports.reader import FileProblem
from kabinet.imports.services import ImportFailed
from kabinet.messages import notify
from kabinet.staff.access import organization, staff_required
from kabinet.staff.imports import exports, services
from kabinet.staff.imports.forms import ApplyForm, ExportForm, UploadForm

bp = Blueprint("staff_imports", __name__, url_prefix="/staff/imports")


@bp.context_processor
def _labels():
    return {"kinds": services.KIND_LABELS, "formats": FORMATS, "column_titles": TITLES, "written": as_written}


@bp.route("/", methods=["GET", "POST"])
@staff_required("accountant")
def index():
    """Upload a file and see what it would change before anything is written; or export a month's readings."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _index(form)
    upload = services.store(form.file.data.stream, form.file.data.filename, form.kind.data, current_user)
    try:
        report = services.preview(upload, organization())
    except FileProblem as exc:
        form.file.errors.append(str(exc))
        return _index(form)
    except ImportFailed as exc:
        return render_template("staff/imports/preview.html", upload=upload, failed=exc)
    return render_template(
        "staff/imports/preview.html", upload=upload, report=report, form=ApplyForm(upload=upload.token)
    )


@bp.post("/apply")
@staff_required("accountant")
def apply():
    """ "Применить": import the previewed upload for good."""
    form = ApplyForm()
    upload = services.find(form.upload.data, current_user) if form.validate_on_submit() else None
    if upload is None:
        notify(messages.IMPORT_UPLOAD_GONE)
        return redirect(url_for(".index"))
    try:
        report = services.apply(upload, organization())
    except services.Gone:
        notify(messages.IMPORT_UPLOAD_GONE)
        return redirect(url_for(".index"))
    except FileProblem as exc:
        notify(messages.IMPORT_NOT_APPLIED, reason=str(exc))
        return redirect(url_for(".index"))
    except ImportFailed as exc:  # the data changed since the preview (an account deleted, say)
        return render_template("staff/imports/preview.html", upload=upload, failed=exc)
    notify(
        messages.IMPORT_APPLIED,
        name=upload.name,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
    )
    return redirect(url_for(".index"))


@bp.get("/readings-export")
@staff_required("accountant")
def readings_export():
    """The month's readings of the organization's meters as a file for the accounting system."""
    form = ExportForm(formdata=request.args)
    if not form.validate():
        return _index(UploadForm(formdata=None), form), form.http_status
    made = exports.export(organization(), form.month.data, form.format.data)
    headers = {"Content-Disposition": f'attachment; filename="{made.filename}"', "Cache-Control": "no-store"}
    return Response(made.data, content_type=made.mimetype, headers=headers)


def _index(upload_form, export_form=None):
    export_form = export_form or ExportForm(formdata=None, month=local_today())
    return render_template("staff/imports/index.html", form=upload_form, export_form=export_form)
