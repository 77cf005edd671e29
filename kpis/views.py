from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from kpis import dashboard as dashboard_module
from kpis import exports, imports, selectors, services
from kpis.forms import KPIForm, MeasurementForm, MeasurementImportForm
from kpis.models import KPI, MeasurementImport
from programs.choices import Level
from programs.models import Program
from werkplek import audit
from werkplek.lib.forms import run_service, submitted_once
from werkplek.models import Organization

KPIS_PER_PAGE = 25
MEASUREMENTS_PER_PAGE = 20
# The rows with an error that the import's message names by number; the table shows them all.
ERROR_LINES_NAMED = 10


def _kpi_for(request, pk) -> KPI:
    """The KPI if the user may change it and record its values; 404 otherwise."""
    try:
        return (
            KPI.objects.editable_by(request.user)
            .select_related("organization", "program")
            .get(pk=pk)
        )
    except KPI.DoesNotExist as error:
        raise Http404 from error


def _ensure_manager(request) -> None:
    if not Organization.objects.managed_by(request.user).exists():
        raise Http404


@login_required
def kpi_list(request):
    _ensure_manager(request)
    kpis = selectors.kpi_list(request.user)
    page = Paginator(kpis, KPIS_PER_PAGE).get_page(request.GET.get("page"))
    several = len(request.user.managed_organizations) > 1
    context = {"page_obj": page, "kpis": page.object_list, "several_organizations": several}
    return render(request, "kpis/kpi_list.html", context)


@login_required
@submitted_once
def kpi_create(request):
    _ensure_manager(request)
    form = KPIForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        kpi = run_service(
            form,
            services.kpi_create,
            actor=request.user,
            organization=form.cleaned_data["organization"],
            **form.service_fields(),
        )
        if kpi:
            messages.success(request, _("KPI created. Now enter its first measurement."))
            return redirect(kpi)
    return render(request, "kpis/kpi_form.html", {"form": form})


@login_required
def kpi_update(request, pk):
    kpi = _kpi_for(request, pk)
    form = KPIForm(request.POST or None, instance=kpi, user=request.user)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form, services.kpi_update, actor=request.user, kpi=kpi, **form.service_fields()
        ):
            messages.success(request, _("KPI saved."))
            return redirect(kpi)
    return render(request, "kpis/kpi_form.html", {"form": form, "kpi": kpi})


def _detail(request, kpi, form):
    page = Paginator(selectors.kpi_measurements(kpi), MEASUREMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    selectors.attach_history(kpi, page.object_list)
    trend = selectors.kpi_trend(kpi)
    context = {
        "kpi": kpi,
        "page_obj": page,
        "measurements": page.object_list,
        "form": form,
        "trend": trend,
        "trend_chart": selectors.kpi_trend_chart(
            kpi, trend, labels=[period["label"] for period in trend]
        ),
    }
    return render(request, "kpis/kpi_detail.html", context)


@login_required
def kpi_detail(request, pk):
    kpi = _kpi_for(request, pk)
    return _detail(request, kpi, MeasurementForm(kpi=kpi))


@login_required
@require_POST
@submitted_once
def measurement_create(request, pk):
    kpi = _kpi_for(request, pk)
    form = MeasurementForm(request.POST, kpi=kpi)
    if form.is_valid():
        measurement = run_service(
            form, services.measurement_record, actor=request.user, kpi=kpi, **form.service_fields()
        )
        if measurement:
            messages.success(request, _("Measurement saved."))
            return redirect(kpi)
    return _detail(request, kpi, form)


def _import_page(request, kpi, *, rows=None, form=None, measurement_import=None, refusal=""):
    """The upload form, with the preview of the checked rows once there are any."""
    rows = rows or []
    error_count = sum(1 for row in rows if row.errors)
    new_count = sum(1 for row in rows if not row.is_skipped)
    context = {
        "kpi": kpi,
        "form": form if form is not None else MeasurementImportForm(kpi=kpi),
        "rows": rows,
        "measurement_import": measurement_import,
        "refusal": refusal,
        "subject_column": imports.subject_column(kpi),
        "error_count": error_count,
        "error_lines": [row.line for row in rows if row.errors][:ERROR_LINES_NAMED],
        "new_count": new_count,
        "skipped_count": len(rows) - new_count,
        "correction_count": sum(1 for row in rows if row.is_correction),
        "preview_ready": bool(measurement_import and not error_count and new_count),
    }
    status = 413 if refusal and not rows else 200
    return render(request, "kpis/measurement_import.html", context, status=status)


# As the learner import: the upload's size is checked before anything reads the body, so the
# view is exempt from the CSRF middleware (which reads request.POST) and checks CSRF itself.
@csrf_exempt
@login_required
def measurement_import(request, pk):
    """Upload a file of values and show every row with its errors; nothing is recorded yet."""
    kpi = _kpi_for(request, pk)
    if request.method == "POST" and imports.upload_too_large(request):
        return _import_page(request, kpi, refusal=imports.too_large_message())
    return _measurement_import_checked(request, kpi)


@csrf_protect
def _measurement_import_checked(request, kpi):
    form = MeasurementImportForm(request.POST or None, request.FILES or None, kpi=kpi)
    if request.method == "POST" and form.is_valid():
        rows = imports.check_rows(kpi, form.rows, from_cells=form.from_cells)
        measurement_import = None
        if not any(row.errors for row in rows) and not all(row.is_skipped for row in rows):
            measurement_import = services.measurement_import_create(
                actor=request.user, kpi=kpi, rows=rows, is_spreadsheet=form.from_cells
            )
        return _import_page(request, kpi, rows=rows, measurement_import=measurement_import)
    return _import_page(request, kpi, form=form)


@login_required
@require_safe
def measurement_import_template(request, pk):
    """The spreadsheet to fill in: this KPI's columns, and notes with an example row."""
    kpi = _kpi_for(request, pk)
    response = HttpResponse(imports.template_xlsx(kpi), content_type=imports.XLSX_CONTENT_TYPE)
    filename = _("measurements") + ".xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
@submitted_once
def measurement_import_confirm(request, pk):
    """Record the previewed values, checked once more: all of them, or none, and only once."""
    kpi = _kpi_for(request, pk)
    measurement_import = (
        MeasurementImport.objects.visible_to(request.user)
        .confirmable(request.POST.get("token", ""))
        .filter(kpi=kpi)
        .first()
    )
    if measurement_import is None:
        messages.error(request, _("Upload the file again; the preview has expired."))
        return redirect("kpis:measurement-import", pk=kpi.pk)
    stored = [imports.MeasurementRow.typed(row) for row in measurement_import.rows]
    rows = imports.check_rows(kpi, stored, from_cells=measurement_import.is_spreadsheet)
    try:
        recorded = services.measurement_import_confirm(
            actor=request.user,
            measurement_import=measurement_import,
            rows=rows,
            correct=request.POST.get("correct") == "on",
        )
    except services.AlreadyImported:
        measurement_import.refresh_from_db()
        message = _(
            "This file has already been imported (%(count)s values); nothing was added now."
        )
        messages.info(request, message % {"count": measurement_import.recorded_count})
        return redirect(kpi)
    except ValidationError as error:
        # Something changed since the preview (say, a value was entered by hand): show it again.
        messages.error(request, " ".join(error.messages))
        return _import_page(request, kpi, rows=rows, measurement_import=measurement_import)
    message = ngettext("%(count)s value recorded.", "%(count)s values recorded.", len(recorded))
    messages.success(request, message % {"count": len(recorded)})
    return redirect(kpi)


@login_required
@require_safe
def dashboard(request, pk):
    """The program's dashboard for its organisation's managers, from the nightly snapshots
    and the KPIs' measurements; `?format=csv|xlsx&section=…` exports its tables (see
    kpis.exports)."""
    try:
        program = Program.objects.managed_by(request.user).select_related("organization").get(pk=pk)
    except Program.DoesNotExist as error:
        raise Http404 from error
    if exports.is_requested(request):
        data = dashboard_module.program_dashboard(program)
        return exports.response(request, exports.PROGRAM_SECTIONS, data, filename="dashboard")
    data = dashboard_module.program_dashboard(program, kpi_page=request.GET.get("kpis") or 1)
    context = {
        "dashboard": data,
        "chart_data": dashboard_module.chart_data(data),
        "level_labels": Level.labels,
        "impact_trends": [trend for trend in data.kpis if trend["impact"]],
        "markers_shown": dashboard_module.MARKERS_SHOWN,
        "survival_rows": [
            {"label": dashboard_module.SURVIVAL_LABELS[name], "data": survival}
            for name, survival in data.survival.items()
        ],
    }
    return render(request, "kpis/dashboard.html", context)


PROGRAMS_PER_PAGE = 25


@login_required
@require_safe
def organization_dashboard(request, slug):
    """Which of the organisation's programs deliver: each program's newest snapshot next to
    the others', and the organisation's own KPIs; for its managers only. An export holds
    every program, the page a page of them."""
    organization = get_object_or_404(Organization.objects.managed_by(request.user), slug=slug)
    programs = selectors.dashboard_programs(organization)
    if exports.is_requested(request):
        data = dashboard_module.organization_dashboard(organization, programs=programs)
        return exports.response(
            request,
            exports.ORGANIZATION_SECTIONS,
            data,
            filename=f"dashboard-{organization.slug}",
        )
    page = Paginator(programs, PROGRAMS_PER_PAGE).get_page(request.GET.get("page"))
    data = dashboard_module.organization_dashboard(organization, programs=page.object_list)
    context = {
        "dashboard": data,
        "page_obj": page,
        "chart_data": dashboard_module.organization_chart_data(data),
    }
    return render(request, "kpis/organization_dashboard.html", context)


@login_required
@require_safe
def kpi_history(request, pk):
    kpi = _kpi_for(request, pk)
    sources = selectors.kpi_trail(kpi)
    return audit.render_trail(request, sources, subject=kpi, back_url=kpi.get_absolute_url())
