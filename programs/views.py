from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST, require_safe
from django_htmx.http import retarget

from programs import imports, selectors, services
from programs.choices import EvaluationAudience
from programs.filters import ProgramFilter
from programs.forms import (
    ChecklistItemForm,
    CoachProgramsForm,
    CoachTrainingForm,
    CohortForm,
    DuplicateForm,
    EndForm,
    EvaluationSettingsForm,
    GoalForm,
    ImportUploadForm,
    InvitationSignupForm,
    MethodForm,
    PairingForm,
    ProgramForm,
    ReflectionPromptsForm,
)
from programs.imports.preview import ImportPreview
from programs.models import (
    ChecklistItem,
    CoachTraining,
    Cohort,
    Enrolment,
    Invitation,
    LearnerImport,
    LearningGoal,
    Method,
    Program,
)
from programs.needs import selectors as needs_selectors
from werkplek import audit
from werkplek.choices import Role
from werkplek.lib.forms import remember_result, run_service, submitted_once
from werkplek.lib.text import search_text
from werkplek.models import Organization, User

PROGRAMS_PER_PAGE = 25
COHORTS_PER_PAGE = 20
LEARNERS_PER_PAGE = 25
INVITATIONS_PER_PAGE = 25


def _program_for(request, pk, *, write=False):
    """The program if the user may read it (or, with write, change it); 404 otherwise."""
    programs = Program.objects.managed_by(request.user) if write else Program.objects
    try:
        return selectors.program_detail(programs.visible_to(request.user), pk)
    except Program.DoesNotExist as error:
        raise Http404 from error


@login_required
def program_list(request):
    programs = ProgramFilter(
        request.GET, queryset=selectors.program_list(request.user), user=request.user
    )
    managed = list(Organization.objects.managed_by(request.user))
    page = Paginator(programs.qs, PROGRAMS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "filter": programs,
        "page_obj": page,
        "programs": page.object_list,
        "can_create": bool(managed),
        "managed_organizations": managed,
    }
    template = "programs/_program_rows.html" if request.htmx else "programs/program_list.html"
    return render(request, template, context)


@login_required
@submitted_once
def program_create(request):
    if not Organization.objects.managed_by(request.user).exists():
        raise Http404
    form = ProgramForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        program = run_service(
            form,
            services.program_create,
            actor=request.user,
            organization=form.cleaned_data["organization"],
            **form.service_fields(),
        )
        if program:
            messages.success(request, _("Program created. Now add its learning goals."))
            return redirect(program)
    return render(request, "programs/program_form.html", {"form": form})


@login_required
def program_detail(request, pk):
    program = _program_for(request, pk)
    can_edit = Program.objects.managed_by(request.user).filter(pk=pk).exists()
    cohorts = selectors.program_cohorts(program) if can_edit else Cohort.objects.none()
    context = {
        "program": program,
        "cohorts": Paginator(cohorts, COHORTS_PER_PAGE).get_page(request.GET.get("page")),
        "can_edit": can_edit and not program.is_archived,
        "is_manager": can_edit,
        "goal_form": GoalForm(prefix="new-goal"),
        # The needs analysis' baseline, and the round after it: for the program's managers.
        "needs": needs_selectors.needs_summary(program) if can_edit else None,
        "min_answers": needs_selectors.MIN_ANSWERS,
    }
    return render(request, "programs/program_detail.html", context)


@login_required
def program_edit(request, pk):
    program = _program_for(request, pk, write=True)
    form = ProgramForm(request.POST or None, instance=program, user=request.user)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            services.program_update,
            saved_form=lambda saved: ProgramForm(instance=saved, user=request.user),
            actor=request.user,
            program=program,
            version=form.cleaned_data["version"],
            **form.service_fields(),
        ):
            messages.success(request, _("Program saved."))
            return redirect(program)
    return render(request, "programs/program_form.html", {"form": form, "program": program})


@login_required
@require_POST
def program_status(request, pk):
    program = _program_for(request, pk, write=True)
    try:
        services.program_change_status(
            actor=request.user, program=program, status=request.POST.get("status", "")
        )
        messages.success(
            request, _("The program is now %(status)s.") % {"status": program.get_status_display()}
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(program)


@login_required
@submitted_once
def program_duplicate(request, pk):
    program = _program_for(request, pk, write=True)
    initial = {"name": _("%(name)s (copy)") % {"name": program.name}}
    form = DuplicateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        copy = run_service(
            form,
            services.program_duplicate,
            actor=request.user,
            program=program,
            name=form.cleaned_data["name"],
            owner=request.user,
        )
        if copy:
            messages.success(request, _("Copy created as a draft, without learners."))
            return redirect(copy)
    return render(request, "programs/program_duplicate.html", {"form": form, "program": program})


def _goals_response(request, program_pk, *, goal_form=None, error=""):
    """The goals section, fresh from the database, for htmx to swap in."""
    program = _program_for(request, program_pk, write=True)
    context = {
        "program": program,
        "can_edit": not program.is_archived,
        "goal_form": goal_form or GoalForm(prefix="new-goal"),
        "builder_error": error,
    }
    return retarget(render(request, "programs/_goals.html", context), "#goals")


def _after_builder_change(request, program):
    url = reverse("programs:detail", args=[program.pk]) + "#goals"
    if request.htmx:
        return remember_result(_goals_response(request, program.pk), url)
    return redirect(url)


def _builder_action(request, program, service, **kwargs):
    """Run a delete or move in the builder and answer with the refreshed goals."""
    try:
        service(**kwargs)
    except ValidationError as error:
        if request.htmx:
            return _goals_response(request, program.pk, error=" ".join(error.messages))
        messages.error(request, " ".join(error.messages))
        return redirect(program)
    return _after_builder_change(request, program)


def _direction(request) -> int:
    return -1 if request.POST.get("direction") == "up" else 1


@login_required
@submitted_once
def goal_create(request, pk):
    program = _program_for(request, pk, write=True)
    form = GoalForm(request.POST or None, prefix="new-goal", instance=LearningGoal(program=program))
    if request.method == "POST" and form.is_valid():
        if run_service(
            form, services.goal_create, actor=request.user, program=program, **form.service_fields()
        ):
            return _after_builder_change(request, program)
    if request.htmx:
        return _goals_response(request, pk, goal_form=form)
    context = {"form": form, "program": program, "heading": _("Add a learning goal")}
    return render(request, "programs/goal_form.html", context)


def _goal_for(request, pk):
    goals = LearningGoal.objects.editable_by(request.user).select_related("program")
    return get_object_or_404(goals, pk=pk)


@login_required
def goal_edit(request, pk):
    goal = _goal_for(request, pk)
    form = GoalForm(request.POST or None, instance=goal, prefix=f"goal-{goal.pk}")
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            services.goal_update,
            saved_form=lambda saved: GoalForm(instance=saved, prefix=form.prefix),
            actor=request.user,
            goal=goal,
            version=form.cleaned_data["version"],
            **form.service_fields(),
        ):
            return _after_builder_change(request, goal.program)
    context = {"form": form, "program": goal.program, "goal": goal, "heading": _("Edit goal")}
    template = "programs/_goal_form.html" if request.htmx else "programs/goal_form.html"
    return render(request, template, context)


@login_required
@require_POST
def goal_delete(request, pk):
    goal = _goal_for(request, pk)
    return _builder_action(
        request, goal.program, services.goal_delete, actor=request.user, goal=goal
    )


@login_required
@require_POST
def goal_move(request, pk):
    goal = _goal_for(request, pk)
    return _builder_action(
        request,
        goal.program,
        services.goal_move,
        actor=request.user,
        goal=goal,
        direction=_direction(request),
    )


@login_required
@submitted_once
def checklist_item_create(request, pk):
    goal = _goal_for(request, pk)
    form = ChecklistItemForm(request.POST or None, prefix=f"new-item-{goal.pk}")
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            services.checklist_item_create,
            actor=request.user,
            goal=goal,
            **form.cleaned_data,
        ):
            return _after_builder_change(request, goal.program)
    if request.htmx:
        errors = " ".join(e for field in form.errors.values() for e in field)
        return _goals_response(request, goal.program_id, error=errors)
    context = {"form": form, "program": goal.program, "goal": goal, "heading": _("Add task")}
    return render(request, "programs/goal_form.html", context)


def _item_for(request, pk):
    items = ChecklistItem.objects.editable_by(request.user).select_related("goal__program")
    return get_object_or_404(items, pk=pk)


@login_required
def checklist_item_edit(request, pk):
    item = _item_for(request, pk)
    form = ChecklistItemForm(request.POST or None, instance=item, prefix=f"item-{item.pk}")
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            services.checklist_item_update,
            actor=request.user,
            item=item,
            **form.cleaned_data,
        ):
            return _after_builder_change(request, item.goal.program)
    context = {
        "form": form,
        "program": item.goal.program,
        "goal": item.goal,
        "item": item,
        "heading": _("Edit task"),
    }
    template = "programs/_checklist_item_form.html" if request.htmx else "programs/goal_form.html"
    return render(request, template, context)


@login_required
@require_POST
def checklist_item_delete(request, pk):
    item = _item_for(request, pk)
    return _builder_action(
        request, item.goal.program, services.checklist_item_delete, actor=request.user, item=item
    )


@login_required
@require_POST
def checklist_item_move(request, pk):
    item = _item_for(request, pk)
    return _builder_action(
        request,
        item.goal.program,
        services.checklist_item_move,
        actor=request.user,
        item=item,
        direction=_direction(request),
    )


@login_required
@submitted_once
def cohort_create(request, pk):
    program = _program_for(request, pk, write=True)
    form = CohortForm(request.POST or None, instance=Cohort(program=program))
    if request.method == "POST" and form.is_valid():
        cohort = run_service(
            form, services.cohort_create, actor=request.user, program=program, **form.cleaned_data
        )
        if cohort:
            messages.success(request, _("Group created. Now add its learners."))
            return redirect("programs:cohort-detail", pk=cohort.pk)
    return render(request, "programs/cohort_form.html", {"form": form, "program": program})


def _cohort_for(request, pk):
    cohorts = Cohort.objects.managed_by(request.user).select_related("program__organization")
    return get_object_or_404(cohorts, pk=pk)


@login_required
@submitted_once
def cohort_detail(request, pk):
    cohort = _cohort_for(request, pk)
    enrolments = selectors.cohort_enrolments(cohort)
    form = PairingForm(request.POST or None, cohort=cohort, enrolments=enrolments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changed = run_service(
            form,
            services.pairing_set,
            actor=request.user,
            enrolments=data["enrolments"],
            coach=data["coach"],
            on=data["starts_on"],
            allow_over_capacity=data["over_capacity_ok"],
        )
        if changed is not None:
            message = ngettext(
                "%(coach)s now coaches %(count)s more learner.",
                "%(coach)s now coaches %(count)s more learners.",
                changed,
            )
            messages.success(request, message % {"coach": data["coach"].name, "count": changed})
            if changed and not selectors.is_trained(
                data["coach"], cohort.program.organization, on=timezone.localdate()
            ):
                messages.warning(request, _untrained_warning(data["coach"]))
            return redirect("programs:cohort-detail", pk=cohort.pk)
    chosen = form["coach"].value()

    page = Paginator(enrolments, LEARNERS_PER_PAGE).get_page(request.GET.get("page"))
    statuses = selectors.enrolment_statuses(page.object_list, on=timezone.localdate())
    for enrolment in page.object_list:
        enrolment.status = statuses.get(enrolment.pk)
    context = {
        "cohort": cohort,
        "program": cohort.program,
        "enrolments": page.object_list,
        "page": page,
        "invitations": Paginator(selectors.open_invitations(cohort), INVITATIONS_PER_PAGE).get_page(
            request.GET.get("uitgenodigd")
        ),
        "form": form,
        **_coach_choices(cohort, search=request.GET.get("coach_q", ""), chosen=chosen),
    }
    return render(request, "programs/cohort_detail.html", context)


def _untrained_warning(coach) -> str:
    return _(
        "%(name)s has no coach training on record. Plan one, and record it on their coach profile."
    ) % {"name": coach.name}


COACH_CHOICES = 8
# The largest id a BigAutoField holds: a longer number posted by hand matches no one.
MAX_DATABASE_ID = 2**63 - 1


def _database_id(value) -> int | None:
    """The id in a raw form value, or None when it is none: only ASCII digits count ("²"
    is a digit to Python, not to int()), and only as far as the database can store."""
    value = str(value or "")
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_DATABASE_ID:
        return None
    return int(value)


def _coach_choices(cohort, *, search, chosen=None):
    """The coach picker's context: at most COACH_CHOICES coaches matching `search`, the chosen
    one kept in view, and whether more match than are shown."""
    search = search_text(search)
    chosen = _database_id(chosen)
    coaches = list(
        selectors.coach_candidates(cohort.program, search=search, chosen=chosen)[
            : COACH_CHOICES + 1
        ]
    )
    return {
        "coaches": coaches[:COACH_CHOICES],
        "untrained_shown": any(not coach.is_trained for coach in coaches[:COACH_CHOICES]),
        "more_coaches": len(coaches) > COACH_CHOICES,
        "coach_search": search,
        "chosen_coach": chosen,
    }


@login_required
@require_GET
def cohort_coaches(request, pk):
    """The coach picker's search: its matches for htmx; without JavaScript, the group page."""
    cohort = _cohort_for(request, pk)
    search = request.GET.get("q", "")
    if not request.htmx:
        url = reverse("programs:cohort-detail", args=[cohort.pk])
        return redirect(f"{url}?{urlencode({'coach_q': search})}#coach-picker")
    context = {"cohort": cohort, **_coach_choices(cohort, search=search)}
    return render(request, "programs/_coach_choices.html", context)


@login_required
def cohort_close(request, pk):
    """Close a group: every running enrolment in it ends for one reason on one day."""
    cohort = _cohort_for(request, pk)
    if cohort.closed_on:
        # A second tap, or an old tab: say what the first did.
        message = _("%(group)s was already closed on %(date)s.")
        messages.info(
            request,
            message % {"group": cohort.name, "date": date_format(cohort.closed_on, "DATE_FORMAT")},
        )
        return redirect("programs:cohort-detail", pk=cohort.pk)
    form = EndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        ended = run_service(
            form, services.cohort_close, actor=request.user, cohort=cohort, **form.cleaned_data
        )
        if ended is not None:
            message = ngettext(
                "%(group)s is closed; %(count)s enrolment ended.",
                "%(group)s is closed; %(count)s enrolments ended.",
                ended,
            )
            messages.success(request, message % {"group": cohort.name, "count": ended})
            return redirect("programs:cohort-detail", pk=cohort.pk)
    context = {"form": form, "cohort": cohort, "program": cohort.program}
    return render(request, "programs/cohort_close.html", context)


@login_required
def enrolment_end(request, pk):
    """End one learner's enrolment for a reason other than independence."""
    enrolments = Enrolment.objects.managed_by(request.user)
    enrolment = get_object_or_404(enrolments.select_related("learner", "cohort__program"), pk=pk)
    if enrolment.ended_on:
        # A second tap, or an old tab: nothing left to end; the progress page shows the ending.
        message = _("The enrolment of %(name)s already ended on %(date)s.")
        messages.info(
            request,
            message
            % {"name": enrolment.learner, "date": date_format(enrolment.ended_on, "DATE_FORMAT")},
        )
        return redirect("coaching:progress", pk=enrolment.pk)
    form = EndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            services.enrolment_end,
            actor=request.user,
            enrolment=enrolment,
            **form.cleaned_data,
        ):
            messages.success(
                request, _("The enrolment of %(name)s has ended.") % {"name": enrolment.learner}
            )
            return redirect("coaching:progress", pk=enrolment.pk)
    return render(request, "programs/enrolment_end.html", {"form": form, "enrolment": enrolment})


LEARNER_IMPORT = ImportPreview(
    model=LearnerImport,
    target="cohort",
    form_class=ImportUploadForm,
    template="programs/cohort_import.html",
    upload_url="programs:cohort-import",
    check_rows=imports.check_rows,
    stored_row=lambda row: imports.ImportRow(**row),
    create=services.learner_import_create,
    extra_context=lambda rows, cohort: {
        "capacity_warnings": imports.capacity_warnings(rows, cohort) if rows else []
    },
    confirm_again_after_refusal=True,
)


@csrf_exempt  # LEARNER_IMPORT.upload checks the size first, then CSRF
@login_required
def cohort_import(request, pk):
    """Upload a learner list and show every row with its errors; nothing is imported yet."""
    cohort = _cohort_for(request, pk)
    try:
        services.ensure_takes_learners(cohort)
    except ValidationError as error:
        # An old tab or a bookmark: the group page no longer offers the import.
        messages.error(request, " ".join(error.messages))
        return redirect("programs:cohort-detail", pk=cohort.pk)
    return LEARNER_IMPORT.upload(request, cohort)


@login_required
@require_safe
def cohort_import_template(request, pk):
    """The spreadsheet to fill in: Dutch or English headers, an example row, notes."""
    cohort = _cohort_for(request, pk)
    response = HttpResponse(imports.template_xlsx(cohort), content_type=imports.XLSX_CONTENT_TYPE)
    filename = _("learners") + ".xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
@submitted_once
def cohort_import_confirm(request, pk):
    """Import the previewed rows, checked once more: all of them, or none, and only once."""
    cohort = _cohort_for(request, pk)

    def run(learner_import):
        enrolments, invitations = services.learner_import_confirm(
            learner_import=learner_import,
            rows=LEARNER_IMPORT.kept_rows(learner_import, cohort),
            actor=request.user,
            allow_over_capacity=request.POST.get("over_capacity_ok") == "on",
        )
        enrolled = ngettext(
            "%(count)s learner enrolled.", "%(count)s learners enrolled.", len(enrolments)
        )
        invited = ngettext(
            "%(count)s person invited.", "%(count)s people invited.", len(invitations)
        )
        return f"{enrolled % {'count': len(enrolments)}} {invited % {'count': len(invitations)}}"

    def already(learner_import):
        message = _(
            "This list has already been imported (%(enrolled)s enrolled, %(invited)s invited); "
            "nothing was added now."
        )
        counts = {
            "enrolled": learner_import.enrolled_count,
            "invited": learner_import.invited_count,
        }
        return message % counts

    return LEARNER_IMPORT.confirm(
        request,
        cohort,
        run=run,
        already=already,
        done_url=reverse("programs:cohort-detail", args=[cohort.pk]),
    )


@login_required
@submitted_once
def method_list(request, slug):
    organization = get_object_or_404(Organization.objects.managed_by(request.user), slug=slug)
    form = MethodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        if run_service(form, services.method_create, organization=organization, name=name):
            messages.success(request, _("Method added."))
            return redirect("programs:methods", slug=organization.slug)
    methods = Method.objects.available_to([organization]).order_by(
        "organization", "builtin", "name"
    )
    context = {"organization": organization, "methods": methods, "form": form}
    return render(request, "programs/method_list.html", context)


@login_required
def reflection_prompts(request, pk):
    program = _program_for(request, pk, write=True)
    initial = {"questions": "\n".join(selectors.reflection_questions(program))}
    form = ReflectionPromptsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            services.reflection_prompts_set,
            actor=request.user,
            program=program,
            questions=form.question_list(),
        ):
            messages.success(request, _("Reflection questions saved."))
            return redirect(program)
    return render(
        request, "programs/reflection_prompts_form.html", {"form": form, "program": program}
    )


@login_required
def evaluation_settings(request, pk):
    program = _program_for(request, pk, write=True)
    form = EvaluationSettingsForm(request.POST or None, initial=_evaluation_initial(program))
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            services.evaluation_settings_set,
            actor=request.user,
            program=program,
            **form.service_fields(),
        ):
            messages.success(request, _("Evaluation saved."))
            return redirect(program)
    return render(
        request, "programs/evaluation_settings_form.html", {"form": form, "program": program}
    )


def _evaluation_initial(program: Program) -> dict:
    learners = selectors.evaluation_questions(program, EvaluationAudience.LEARNER)
    coaches = selectors.evaluation_questions(program, EvaluationAudience.COACH)
    return {
        "learner_questions": "\n".join(learners.statements),
        "learner_open_question": learners.open_question,
        "coach_questions": "\n".join(coaches.statements),
        "coach_open_question": coaches.open_question,
        "evaluate_halfway": program.evaluate_halfway,
        "min_answers": program.evaluation_min_answers,
    }


@submitted_once
def invitation_accept(request, token):
    """The link in an invitation: join the group, with a new account if there is none."""
    invitation = get_object_or_404(
        Invitation.objects.open().with_token(token).select_related("cohort__program__organization")
    )
    user = request.user
    if not user.is_authenticated and User.objects.filter(email=invitation.email).exists():
        return redirect_to_login(request.get_full_path())
    if user.is_authenticated and user.email != invitation.email:
        raise Http404
    # A signed-in person's form has no fields: its POST is empty, yet it is submitted.
    data = request.POST if request.method == "POST" else None
    form = InvitationSignupForm(data, user=user, initial={"name": invitation.name})
    if request.method == "POST" and form.is_valid():
        if user.is_authenticated:
            enrolment = run_service(
                form, services.invitation_accept, invitation=invitation, user=user
            )
        else:
            enrolment = run_service(
                form,
                services.invitation_accept_as_new,
                invitation=invitation,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password1"],
            )
            if enrolment:
                login(
                    request, enrolment.learner, backend="django.contrib.auth.backends.ModelBackend"
                )
        if enrolment:
            messages.success(request, _("Welcome! This is where you follow your progress."))
            return redirect("coaching:progress", pk=enrolment.pk)
    context = {"invitation": invitation, "program": invitation.cohort.program, "form": form}
    return render(request, "programs/invitation_accept.html", context)


# --- History: who changed what (managers only) ------------------------------------------


@login_required
@require_safe
def program_history(request, pk):
    program = get_object_or_404(Program.objects.managed_by(request.user), pk=pk)
    sources = selectors.program_trail(program)
    return audit.render_trail(
        request, sources, subject=program, back_url=program.get_absolute_url()
    )


@login_required
@require_safe
def goal_history(request, pk):
    goal = _goal_for(request, pk)
    back_url = goal.program.get_absolute_url()
    return audit.render_trail(request, selectors.goal_trail(goal), subject=goal, back_url=back_url)


@login_required
@require_safe
def cohort_history(request, pk):
    cohort = _cohort_for(request, pk)
    back_url = reverse("programs:cohort-detail", args=[cohort.pk])
    sources = selectors.cohort_trail(cohort)
    return audit.render_trail(request, sources, subject=cohort, back_url=back_url)


# --- Coach preparation: a coach's profile, trainings and programs -------------------------


def _coach_membership_for(request, pk, *, write=False):
    """A coach's membership whose profile the user may read (or, with write, change)."""
    if write:
        return get_object_or_404(selectors.coach_memberships_managed_by(request.user), pk=pk)
    return get_object_or_404(selectors.coach_memberships(request.user), pk=pk)


@login_required
@submitted_once
def coach_profile(request, pk):
    """A coach's preparation: their trainings, capacity and the programs they may coach. The
    organisation's L&D managers record trainings here; the coach reads their own profile."""
    membership = _coach_membership_for(request, pk, write=request.method == "POST")
    can_edit = membership.organization.holds_role(request.user, Role.MANAGER)
    form = CoachTrainingForm(request.POST or None) if can_edit else None
    if request.method == "POST" and form.is_valid():
        training = run_service(
            form,
            services.coach_training_record,
            actor=request.user,
            membership=membership,
            **form.cleaned_data,
        )
        if training:
            message = _("Training recorded for %(name)s.") % {"name": membership.user.name}
            messages.success(request, message)
            return redirect("programs:coach-profile", pk=membership.pk)
    today = timezone.localdate()
    trainings = selectors.coach_trainings(membership)
    page = Paginator(trainings, selectors.COACH_TRAININGS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for training in page.object_list:
        training.is_current = training.is_current_on(today)
    allowed = selectors.coach_programs(membership)
    shown = list(allowed[: selectors.COACH_PROGRAMS_SHOWN])
    context = {
        "membership": membership,
        "load": selectors.coach_load(membership, on=today),
        "page_obj": page,
        "allowed_programs": shown,
        "more_programs": allowed.count() - len(shown),
        "today": today,
        "can_edit": can_edit,
        "form": form,
    }
    return render(request, "programs/coach_profile.html", context)


def _training_for(request, pk):
    """A training record the user may change, with the profile it belongs to."""
    trainings = CoachTraining.objects.editable_by(request.user).select_related("coach")
    training = get_object_or_404(trainings, pk=pk)
    membership = get_object_or_404(
        selectors.coach_memberships_managed_by(request.user),
        user=training.coach_id,
        organization=training.organization_id,
    )
    return training, membership


@login_required
def coach_training_edit(request, pk):
    """An L&D manager corrects a training record; its earlier version stays in the history."""
    training, membership = _training_for(request, pk)
    form = CoachTrainingForm(request.POST or None, instance=training)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.coach_training_update,
            actor=request.user,
            training=training,
            **form.cleaned_data,
        )
        if saved:
            messages.success(request, _("Training saved."))
            return redirect("programs:coach-profile", pk=membership.pk)
    context = {"form": form, "training": training, "membership": membership}
    return render(request, "programs/coach_training_form.html", context)


@login_required
@require_POST
def coach_training_remove(request, pk):
    """An L&D manager removes a training record entered by mistake."""
    training, membership = _training_for(request, pk)
    services.coach_training_remove(actor=request.user, training=training)
    messages.success(request, _("Training %(course)s removed.") % {"course": training.course})
    return redirect("programs:coach-profile", pk=membership.pk)


@login_required
def coach_programs(request, pk):
    """An L&D manager names the programs a coach may coach (none: all of them)."""
    membership = _coach_membership_for(request, pk, write=True)
    current = [allowed.program for allowed in selectors.coach_programs(membership)]
    form = CoachProgramsForm(
        # Every box unticked posts nothing of the form: still a choice (of none).
        request.POST if request.method == "POST" else None,
        organization=membership.organization,
        initial={"programs": current},
    )
    if request.method == "POST" and form.is_valid():
        run_service(
            form,
            services.coach_programs_set,
            actor=request.user,
            membership=membership,
            programs=form.cleaned_data["programs"],
        )
        if not form.errors:
            messages.success(request, _("Programs saved."))
            return redirect("programs:coach-profile", pk=membership.pk)
    # The form offers no archived program; the ones named stay named (coach_programs_set).
    archived = [program for program in current if program.is_archived]
    context = {"form": form, "membership": membership, "archived": archived}
    return render(request, "programs/coach_programs_form.html", context)


@login_required
@require_safe
def coach_history(request, pk):
    """Who recorded, corrected or removed a coach's trainings and programs, for the
    organisation's L&D managers."""
    membership = _coach_membership_for(request, pk, write=True)
    return audit.render_trail(
        request,
        selectors.coach_trail(membership),
        subject=membership.user,
        back_url=reverse("programs:coach-profile", args=[membership.pk]),
    )
