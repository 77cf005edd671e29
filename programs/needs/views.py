"""The pages of a needs analysis: asking, answering, importing, and the goals by gap."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from programs import imports as learner_imports
from programs.imports.preview import ImportPreview
from programs.models import Program
from programs.needs import imports, selectors, services
from programs.needs.forms import AnswerForm, AskForm, RatingsUploadForm
from programs.needs.models import NeedsAnalysis, NeedsImport, NeedsRequest, Round
from werkplek.lib.forms import run_service, submitted_once

MY_REQUESTS_PER_PAGE = 20


def _managed_program(request, pk) -> Program:
    programs = Program.objects.managed_by(request.user).select_related("organization")
    return get_object_or_404(programs, pk=pk)


def _managed_analysis(request, pk) -> NeedsAnalysis:
    analyses = NeedsAnalysis.objects.managed_by(request.user).select_related(
        "program__organization"
    )
    return get_object_or_404(analyses, pk=pk)


@login_required
@require_safe
def needs_overview(request, pk):
    """The program's needs analysis for its managers: the goals by gap before (and after) the
    program, and who was asked in each round (names and whether they answered, not what)."""
    program = _managed_program(request, pk)
    rounds = selectors.rounds_of(program)
    before, after = rounds.get(Round.BEFORE), rounds.get(Round.AFTER)
    listed = rounds.get(request.GET.get("round")) or after or before
    requests = selectors.requests_of(listed) if listed else NeedsRequest.objects.none()
    latest = after or before
    context = {
        "program": program,
        "rounds": [analysis for analysis in (before, after) if analysis],
        "after": after,
        "listed": listed,
        "open_round": latest if latest and latest.accepts_answers else None,
        "goal_needs": selectors.goal_needs(program, rounds) if rounds else [],
        "min_answers": selectors.MIN_ANSWERS,
        "round_to_start": services.round_to_start(program, rounds),
        "page_obj": Paginator(requests, selectors.REQUESTS_PER_PAGE).get_page(
            request.GET.get("page")
        ),
    }
    return render(request, "programs/needs/overview.html", context)


@login_required
@submitted_once
def needs_ask(request, pk):
    """A manager asks a team, or people by address, to rate the program's goals."""
    program = _managed_program(request, pk)
    form = AskForm(request.POST or None, organization=program.organization)
    if request.method == "POST" and form.is_valid():
        made = run_service(
            form,
            services.needs_analysis_ask,
            actor=request.user,
            program=program,
            people=form.people,
        )
        if made is not None:
            count = len(made)
            messages.success(
                request,
                ngettext(
                    "%(count)s person is asked to rate the learning goals.",
                    "%(count)s people are asked to rate the learning goals.",
                    count,
                )
                % {"count": count}
                if count
                else _("Everyone you chose was asked already."),
            )
            return redirect("programs:needs", pk=program.pk)
    context = {"program": program, "form": form, "round": services.round_to_start(program)}
    return render(request, "programs/needs/ask.html", context)


@login_required
@require_POST
@submitted_once
def needs_close(request, pk):
    """A manager ends a round: no more answers, and its averages show."""
    analysis = _managed_analysis(request, pk)
    try:
        services.needs_analysis_close(actor=request.user, analysis=analysis)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The round is closed: nobody can answer any more, and the averages show.")
        )
    return redirect("programs:needs", pk=analysis.program_id)


@login_required
@require_safe
def my_needs_requests(request):
    """The signed-in person's requests to rate a program's goals, open ones first."""
    requests = selectors.my_requests(request.user)
    page = Paginator(requests, MY_REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "programs/needs/my_requests.html", {"page_obj": page})


@login_required
@submitted_once
def needs_answer(request, pk):
    """The person rates each goal; or their L&D manager does for them, until they answer
    themselves. Others' own answers are never shown: the door is the request's."""
    needs_request = get_object_or_404(
        NeedsRequest.objects.visible_to(request.user).select_related(
            "analysis__program__organization", "person"
        ),
        pk=pk,
    )
    is_own = needs_request.person_id == request.user.pk
    if not is_own and needs_request.is_answered_by_person():
        messages.info(
            request,
            _("%(name)s answered themselves; their answers stay theirs.")
            % {"name": needs_request.person.name},
        )
        return redirect("programs:needs", pk=needs_request.analysis.program_id)
    goals = list(needs_request.analysis.program.goals.all())
    ratings = {rating.goal_id: rating for rating in needs_request.ratings.all()}
    form = AnswerForm(request.POST or None, goals=goals, ratings=ratings)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            services.needs_answer,
            actor=request.user,
            request=needs_request,
            answers=form.answers(),
        ):
            messages.success(request, _("Thank you: your ratings are saved."))
            if is_own:
                return redirect("programs:needs-requests")
            return redirect("programs:needs", pk=needs_request.analysis.program_id)
    context = {
        "form": form,
        "needs_request": needs_request,
        "program": needs_request.analysis.program,
        "is_own": is_own,
        "is_open": needs_request.analysis.accepts_answers,
    }
    return render(request, "programs/needs/answer.html", context)


# --- The import of ratings (the same preview and confirm as the learner import) ---


NEEDS_IMPORT = ImportPreview(
    model=NeedsImport,
    target="analysis",
    form_class=RatingsUploadForm,
    template="programs/needs/import.html",
    upload_url="programs:needs-import",
    check_rows=imports.check_rows,
    stored_row=imports.RatingRow.typed,
    create=services.needs_import_create,
)


@csrf_exempt  # NEEDS_IMPORT.upload checks the size first, then CSRF
@login_required
def needs_import(request, pk):
    """Upload a list of ratings and show every row with its errors; nothing is saved yet."""
    analysis = _managed_analysis(request, pk)
    if not analysis.accepts_answers:
        messages.error(request, _("This round of the needs analysis is closed."))
        return redirect("programs:needs", pk=analysis.program_id)
    return NEEDS_IMPORT.upload(request, analysis)


@login_required
@require_safe
def needs_import_template(request, pk):
    """The list to fill in, with the program's goals and their numbers."""
    analysis = _managed_analysis(request, pk)
    response = HttpResponse(
        imports.template_xlsx(analysis), content_type=learner_imports.XLSX_CONTENT_TYPE
    )
    filename = _("ratings") + ".xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
@submitted_once
def needs_import_confirm(request, pk):
    """Save the previewed ratings, checked once more: all of them, or none, and only once."""
    analysis = _managed_analysis(request, pk)

    def run(needs_import):
        count = services.needs_import_confirm(needs_import=needs_import, actor=request.user)
        return ngettext("%(count)s rating imported.", "%(count)s ratings imported.", count) % {
            "count": count
        }

    def already(needs_import):
        return _(
            "This list has already been imported (%(count)s ratings); nothing was added now."
        ) % {"count": needs_import.imported_count}

    try:
        return NEEDS_IMPORT.confirm(
            request,
            analysis,
            run=run,
            already=already,
            done_url=reverse("programs:needs", args=[analysis.program_id]),
        )
    except IntegrityError:
        # Someone asked or answered in a way the round's lock does not cover: nothing written.
        messages.error(request, _("The list changed since the preview. Upload it again."))
        return redirect("programs:needs-import", pk=analysis.pk)
