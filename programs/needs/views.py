"""The pages of a needs analysis: asking, answering, importing, and the goals by gap."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from programs import imports as learner_imports
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


def _import_page(
    request, analysis, *, rows=None, form=None, needs_import=None, refusal="", status=200
):
    error_count = sum(1 for row in rows or [] if row.errors)
    new_count = sum(1 for row in rows or [] if not row.is_skipped)
    context = {
        "analysis": analysis,
        "program": analysis.program,
        "form": form if form is not None else RatingsUploadForm(),
        "rows": rows,
        "needs_import": needs_import,
        "refusal": refusal,
        "error_count": error_count,
        "new_count": new_count,
        "skipped_count": sum(1 for row in rows or [] if row.is_skipped),
        "preview_ready": bool(rows and not error_count and new_count),
    }
    return render(request, "programs/needs/import.html", context, status=status)


# Exempt from the middleware so the size is checked before the body is read; the same CSRF
# check runs right after it (see programs.views.cohort_import).
@csrf_exempt
@login_required
def needs_import(request, pk):
    """Upload a list of ratings and show every row with its errors; nothing is saved yet."""
    analysis = _managed_analysis(request, pk)
    if not analysis.accepts_answers:
        messages.error(request, _("This round of the needs analysis is closed."))
        return redirect("programs:needs", pk=analysis.program_id)
    if request.method == "POST" and learner_imports.upload_too_large(request):
        return _import_page(
            request, analysis, refusal=learner_imports.too_large_message(), status=413
        )
    return _needs_import_checked(request, analysis)


@csrf_protect
def _needs_import_checked(request, analysis):
    form = RatingsUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        rows = imports.check_rows(form.rows, analysis)
        needs_import = None
        if not any(row.errors for row in rows) and not all(row.is_skipped for row in rows):
            try:
                needs_import = services.needs_import_create(
                    analysis=analysis, rows=rows, actor=request.user
                )
            except ValidationError as error:
                return _import_page(request, analysis, rows=rows, refusal=" ".join(error.messages))
        return _import_page(request, analysis, rows=rows, needs_import=needs_import)
    return _import_page(request, analysis, form=form)


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
    needs_import = (
        NeedsImport.objects.visible_to(request.user)
        .confirmable(request.POST.get("token", ""))
        .filter(analysis=analysis)
        .first()
    )
    if needs_import is None:
        messages.error(request, _("Upload the file again; the preview has expired."))
        return redirect("programs:needs-import", pk=analysis.pk)
    try:
        count = services.needs_import_confirm(needs_import=needs_import, actor=request.user)
    except services.AlreadyImported:
        needs_import.refresh_from_db()
        messages.info(
            request,
            _("This list has already been imported (%(count)s ratings); nothing was added now.")
            % {"count": needs_import.imported_count},
        )
        return redirect("programs:needs", pk=analysis.program_id)
    except IntegrityError:
        # Someone asked or answered in a way the round's lock does not cover: nothing written.
        messages.error(request, _("The list changed since the preview. Upload it again."))
        return redirect("programs:needs-import", pk=analysis.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        rows = [imports.RatingRow.typed(row) for row in needs_import.rows]
        return _import_page(request, analysis, rows=imports.check_rows(rows, analysis))
    messages.success(
        request,
        ngettext("%(count)s rating imported.", "%(count)s ratings imported.", count)
        % {"count": count},
    )
    return redirect("programs:needs", pk=analysis.program_id)
