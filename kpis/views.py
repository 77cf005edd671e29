from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kpis import selectors, services
from kpis.forms import KPIForm, MeasurementForm
from kpis.models import KPI
from werkplek.lib.forms import run_service
from werkplek.models import Organization

KPIS_PER_PAGE = 25
MEASUREMENTS_PER_PAGE = 20


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
    context = {"kpi": kpi, "page_obj": page, "measurements": page.object_list, "form": form}
    return render(request, "kpis/kpi_detail.html", context)


@login_required
def kpi_detail(request, pk):
    kpi = _kpi_for(request, pk)
    return _detail(request, kpi, MeasurementForm(kpi=kpi))


@login_required
@require_POST
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
