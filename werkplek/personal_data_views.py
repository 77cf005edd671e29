"""The pages of a person's data: their download, the privacy page, and a manager's erasure."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from werkplek import personal_data
from werkplek.forms import EraseForm
from werkplek.lib.forms import run_service
from werkplek.models import (
    RETENTION_MONTHS_LEAST,
    RETENTION_MONTHS_MOST,
    Erasure,
    Membership,
    Organization,
)


@never_cache
@login_required
@require_GET
def personal_data_export(request):
    """Everything werkplek holds about the signed-in person, as a ZIP written while it is
    sent (nobody else's: there is no address for another person's)."""
    response = StreamingHttpResponse(
        personal_data.export(request.user), content_type="application/zip"
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="werkplek-gegevens-{day}.zip"'
    return response


@require_GET
def privacy(request):
    """What werkplek stores about people, why, for how long and who reads it: made from what
    each app registers (werkplek.personal_data), so it says what the code does."""
    context = {
        "parts": personal_data.parts(),
        "readers": personal_data.Reader,
        "retention_months": settings.AVG_RETENTION_MONTHS,
        "retention_least": RETENTION_MONTHS_LEAST,
        "retention_most": RETENTION_MONTHS_MOST,
        # A signed-in person reads the period of each of their own organisations.
        "organizations": Organization.objects.visible_to(request.user).only(
            "name", "retention_months"
        ),
    }
    return render(request, "werkplek/privacy.html", context)


@login_required
def person_erase(request, slug, pk):
    """An L&D manager erases a person of their organisation, after typing their name."""
    organization = get_object_or_404(Organization.objects.managed_by(request.user), slug=slug)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), organization=organization, user_id=pk
    )
    person = membership.user
    if Erasure.objects.filter(person=person).exists():
        raise Http404
    form = EraseForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        erased = run_service(form, personal_data.person_erase, actor=request.user, person=person)
        if erased:
            messages.success(request, _("The person's data has been erased."))
            return redirect("organization-detail", slug=organization.slug)
    context = {"organization": organization, "person": person, "form": form}
    return render(request, "werkplek/person_erase.html", context)
