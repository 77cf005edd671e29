import io
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from coaching import (
    attention,
    certificate,
    coach_load,
    evaluations,
    reminders,
    selectors,
    services,
    skills,
)
from coaching.choices import EvaluationMoment
from coaching.filters import CoachLoadFilter, SkillsMatrixFilter
from coaching.forms import (
    AddendumForm,
    EvaluationForm,
    EvaluationResultsFilter,
    FeedbackMomentForm,
    PeerFeedbackForm,
    PeerRequestForm,
    ProgressReviewCommentForm,
    ProgressReviewOutcomeForm,
    ProgressReviewPlanForm,
    ReactionForm,
    ReflectionForm,
    ThankYouNoteForm,
)
from coaching.models import (
    FeedbackMoment,
    PeerFeedback,
    ProgressReview,
    Reflection,
    ThankYouNote,
)
from programs import selectors as program_selectors
from programs.choices import EndReason, EvaluationAudience
from programs.models import Cohort, Enrolment, Program
from werkplek import audit
from werkplek.choices import Role
from werkplek.lib import spreadsheet
from werkplek.lib.forms import run_service, submitted_once
from werkplek.models import Membership, Organization
from werkplek.views import link_expired


def _enrolment_for(request, pk):
    """An enrolment the user may read: their own, one they coach(ed), or a managed one; with
    how far they read it (`Enrolment.access_for`)."""
    enrolments = (
        Enrolment.objects.visible_to(request.user)
        .with_access(request.user)
        .select_related("learner", "cohort__program__organization")
    )
    return get_object_or_404(enrolments, pk=pk)


def _enrolment_coached_by(request, pk):
    """An active enrolment the user coaches now; past pairings are read-only."""
    enrolments = Enrolment.objects.coached_by(request.user).select_related(
        "learner", "cohort__program"
    )
    return get_object_or_404(enrolments, pk=pk)


def _own_enrolment(request, pk):
    """The signed-in learner's own enrolment, while it runs."""
    enrolments = Enrolment.objects.learning(request.user).select_related("cohort__program")
    return get_object_or_404(enrolments, pk=pk)


EARLIER_PER_PAGE = 10


@login_required
def coach_home(request):
    if not request.user.has_role(Role.COACH):
        raise Http404
    today = timezone.localdate()
    shown = selectors.THANKS_ON_COACH_HOME
    # One more than shown: whether the link to all of them is needed, in the same query.
    thanks = list(selectors.thanks_received(request.user)[: shown + 1])
    context = {
        "rows": attention.coach_statuses(request.user, on=today),
        "earlier": selectors.earlier_learners_page(
            request.user, request.GET.get("eerder"), per_page=EARLIER_PER_PAGE
        ),
        "thanks": thanks[:shown],
        "more_thanks": len(thanks) > shown,
        "to_evaluate": evaluations.groups_to_evaluate(request.user, today=today)[
            : evaluations.MAX_GROUPS_TO_EVALUATE
        ],
    }
    return render(request, "coaching/coach_home.html", context)


ATTENTION_PER_PAGE = 25


@login_required
def attention_list(request):
    """Who needs attention in every program the manager manages, most urgent first."""
    if not request.user.has_role(Role.MANAGER):
        raise Http404
    rows = attention.attention_list(request.user, on=timezone.localdate())
    page = Paginator(rows, ATTENTION_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "coaching/attention.html", {"page": page, "total": len(rows)})


@login_required
@require_safe
def skills_matrix(request):
    """Who can do which task now, in the organisation the viewer manages or coaches in
    (`?organization=<slug>` when there are several): L&D managers see everyone, a coach the
    learners they coach, a line manager their team's (coaching.skills). `?format=xlsx`
    downloads it."""
    organizations = skills.organizations_for(request.user)
    slug = request.GET.get("organization")
    chosen = [o for o in organizations if slug is None or o.slug == slug]
    if not chosen:
        raise Http404
    organization = chosen[0]
    filters = SkillsMatrixFilter(request.GET, viewer=request.user, organization=organization)
    scope = {
        "viewer": request.user,
        "organization": organization,
        "people": filters.qs,
        "program": filters.chosen("program"),
        "goal": filters.chosen("goal"),
        "today": timezone.localdate(),
    }
    if request.GET.get("format") == "xlsx":
        return spreadsheet.download(
            skills.export_rows(**scope), sheet=_("Skills matrix"), filename=_("skills-matrix")
        )
    matrix = skills.skills_matrix(page_number=request.GET.get("page"), **scope)
    export = request.GET.copy()
    export.pop("page", None)
    export["format"] = "xlsx"
    context = {
        "matrix": matrix,
        "filters": filters,
        "organizations": organizations,
        "export_query": export.urlencode(),
    }
    return render(request, "coaching/skills_matrix.html", context)


def _feedback_form(request, enrolment, *, moment=None, data=None):
    goals, current_levels, open_items = selectors.feedback_form_data(enrolment, moment=moment)
    initial = None
    if moment is not None:
        initial = {
            "version": moment.version,
            "occurred_on": moment.occurred_on,
            "shift": moment.shift,
            "shift_note": moment.shift_note,
            "went_well": moment.went_well,
            "to_improve": moment.to_improve,
            "next_step": moment.next_step,
            "sign_offs": [s.checklist_item_id for s in moment.sign_offs.all()],
        }
        for assessment in moment.assessments.all():
            initial[f"practised_{assessment.goal_id}"] = True
            initial[f"level_{assessment.goal_id}"] = assessment.level
    else:
        last = enrolment.feedback_moments.filter(coach=request.user).first()
        initial = {"shift": last.shift if last else "morning"}
    return FeedbackMomentForm(
        data,
        initial=initial,
        goals=goals,
        current_levels=current_levels,
        open_items=open_items,
    )


@login_required
@submitted_once
def feedback_create(request, pk):
    enrolment = _enrolment_coached_by(request, pk)
    form = _feedback_form(request, enrolment, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        moment = run_service(
            form,
            services.feedback_moment_create,
            enrolment=enrolment,
            actor=request.user,
            levels=form.levels(),
            sign_off_items=form.cleaned_data["sign_offs"],
            **form.moment_fields(),
        )
        if moment:
            messages.success(
                request,
                _("Feedback for %(name)s saved. %(name)s is asked to reflect on it.")
                % {"name": enrolment.learner.get_short_name()},
            )
            return redirect("coaching:home")
    context = {
        "form": form,
        "enrolment": enrolment,
        "last_moment": enrolment.feedback_moments.first(),
    }
    return render(request, "coaching/feedback_form.html", context)


@login_required
def feedback_edit(request, pk):
    moments = FeedbackMoment.objects.open_to_addenda_by(request.user).filter(coach=request.user)
    moment = get_object_or_404(
        moments.select_related("enrolment__learner", "enrolment__cohort__program"), pk=pk
    )
    if not moment.can_be_edited_by(request.user):
        messages.error(
            request, _("This feedback is locked after 24 hours; you can add an addendum.")
        )
        return redirect("coaching:progress", pk=moment.enrolment_id)
    form = _feedback_form(request, moment.enrolment, moment=moment, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.feedback_moment_update,
            saved_form=lambda saved: _feedback_form(request, saved.enrolment, moment=saved),
            moment=moment,
            actor=request.user,
            version=form.cleaned_data["version"],
            levels=form.levels(),
            sign_off_items=form.cleaned_data["sign_offs"],
            **form.moment_fields(),
        )
        if saved:
            messages.success(request, _("Feedback changed."))
            return redirect("coaching:progress", pk=moment.enrolment_id)
    context = {"form": form, "enrolment": moment.enrolment, "moment": moment}
    return render(request, "coaching/feedback_form.html", context)


@login_required
@require_POST
@submitted_once
def feedback_addendum(request, pk):
    """The learner's current coach adds a note to a feedback moment; a note that cannot be
    saved comes back on its own page with what was typed and why."""
    moment = get_object_or_404(FeedbackMoment.objects.open_to_addenda_by(request.user), pk=pk)
    form = AddendumForm(request.POST)
    if form.is_valid() and run_service(
        form,
        services.feedback_addendum_create,
        moment=moment,
        actor=request.user,
        text=form.cleaned_data["text"],
    ):
        messages.success(request, _("Addendum saved."))
        return redirect("coaching:progress", pk=moment.enrolment_id)
    context = {
        "form": form,
        "heading": _("Add an addendum"),
        "submit": _("Save addendum"),
        "back_url": reverse("coaching:progress", args=[moment.enrolment_id]),
        "back_label": moment.enrolment.learner.name,
    }
    return render(request, "coaching/note_form.html", context)


# A page past any timeline's end (a hundred thousand pages of ten): a larger number asks
# for the same empty page, and its offset still fits the database's integers.
MAX_TIMELINE_PAGE = 100_000


def _page_number(request) -> int:
    """The `?page=` asked for; anything that is not a positive number means the first."""
    try:
        page = int(request.GET.get("page", 1))
    except ValueError:
        return 1
    return min(max(page, 1), MAX_TIMELINE_PAGE)


@login_required
def progress(request, pk):
    enrolment = _enrolment_for(request, pk)
    is_current_coach = enrolment.is_coached_now_by(request.user)
    timeline = selectors.progress_timeline(
        enrolment, viewer=request.user, page=_page_number(request)
    )
    is_manager = Cohort.objects.managed_by(request.user).filter(pk=enrolment.cohort_id).exists()
    if request.htmx:
        # "More feedback": the next page of the timeline only.
        context = {
            "enrolment": enrolment,
            "timeline": timeline,
            "is_current_coach": is_current_coach,
            "is_manager": is_manager,
        }
        return render(request, "coaching/_timeline.html", context)
    data = selectors.enrolment_progress(enrolment, viewer=request.user, today=timezone.localdate())
    is_learner = enrolment.learner_id == request.user.pk
    context = {
        "progress": data,
        "timeline": timeline,
        "enrolment": enrolment,
        "is_learner": is_learner and enrolment.is_running,
        "is_current_coach": is_current_coach,
        "is_manager": is_manager,
        "can_mark_independent": enrolment.is_running
        and data.independent_since is not None
        and (is_current_coach or is_manager),
        "peer_requests": selectors.peer_requests_for(request.user) if is_learner else [],
        "panels": selectors.progress_panels(enrolment, viewer=request.user),
        "today": timezone.localdate(),
        "thank_membership": selectors.coach_to_thank(enrolment, request.user)
        if is_manager and enrolment.ended_independent
        else None,
        "reviews": selectors.progress_review_panel(enrolment, viewer=request.user),
        "evaluation_moment": evaluations.open_moment(enrolment, today=timezone.localdate())
        if enrolment.learner_id == request.user.pk
        else None,
    }
    return render(request, "coaching/progress.html", context)


@login_required
@require_POST
def mark_independent(request, pk):
    """One tap: the coach or manager says the learner is independent, dated the day the
    last condition was met."""
    enrolments = Enrolment.objects.guided_by(request.user).select_related("learner")
    enrolment = get_object_or_404(enrolments, pk=pk)
    try:
        services.enrolment_mark_independent(actor=request.user, enrolment=enrolment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(name)s is independent. Well done!") % {"name": enrolment.learner}
        )
    return redirect("coaching:progress", pk=enrolment.pk)


@login_required
@require_safe
def certificate_download(request, pk):
    """The learner's certificate of an enrolment that ended independent, as a PDF in the
    learner's language: for the learner, their coaches and the program's managers."""
    enrolments = (
        Enrolment.objects.visible_to(request.user)
        .filter(end_reason=EndReason.INDEPENDENT)
        .select_related("learner", "cohort__program__organization")
    )
    enrolment = get_object_or_404(enrolments, pk=pk)
    with translation.override(enrolment.learner.language):
        facts = selectors.certificate_of(enrolment)
        pdf, name = certificate.render(facts), certificate.filename(facts)
    return FileResponse(
        io.BytesIO(pdf), as_attachment=True, filename=name, content_type="application/pdf"
    )


@login_required
def my_progress(request):
    enrolments = list(selectors.learner_enrolments(request.user))
    if not enrolments and not request.user.has_role(Role.LEARNER):
        raise Http404
    active = [e for e in enrolments if e.ended_on is None]
    if len(active) == 1 and len(enrolments) == 1:
        return redirect("coaching:progress", pk=active[0].pk)
    context = {
        "enrolments": enrolments,
        "peer_requests": selectors.peer_requests_for(request.user),
    }
    return render(request, "coaching/my_progress.html", context)


@login_required
@submitted_once
def reflection_create(request, pk):
    enrolment = _own_enrolment(request, pk)
    questions = program_selectors.reflection_questions(enrolment.cohort.program)
    form = ReflectionForm(request.POST or None, questions=questions)
    due = enrolment.reflections.select_related("feedback_moment__coach").next_due()
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        if run_service(
            form,
            services.reflection_submit,
            actor=request.user,
            enrolment=enrolment,
            answers=answers,
            asks_coach=form.cleaned_data["asks_coach"],
        ):
            messages.success(request, _("Reflection saved. Your coach can read it now."))
            return redirect("coaching:progress", pk=enrolment.pk)
    context = {"form": form, "enrolment": enrolment, "about": due.feedback_moment if due else None}
    return render(request, "coaching/reflection_form.html", context)


# The token is a password for this page: no shared cache or back button keeps what it shows.
@never_cache
def reflection_link(request, token):
    """A reminder's link: the form of one open reflection, without a password. It signs
    nobody in and reaches nothing else; handing the reflection in uses it up."""
    reflection = reminders.reflection_of_token(token)
    if reflection is None:
        return link_expired(request)
    enrolment = reflection.enrolment
    translation.activate(enrolment.learner.language)
    questions = program_selectors.reflection_questions(enrolment.cohort.program)
    data = request.POST if request.method == "POST" else None
    form = ReflectionForm(data, questions=questions)
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        if run_service(
            form,
            services.reflection_submit,
            actor=enrolment.learner,  # the link is the learner's
            enrolment=enrolment,
            answers=answers,
            asks_coach=form.cleaned_data["asks_coach"],
            reflection=reflection,
        ):
            return render(request, "coaching/reflection_link_done.html", {"enrolment": enrolment})
    context = {"form": form, "enrolment": enrolment, "about": reflection.feedback_moment}
    return render(request, "coaching/reflection_link.html", context)


@login_required
@require_POST
@submitted_once
def reflection_react(request, pk):
    """The learner's current coach reacts to a reflection; as with an addendum, a reaction
    that cannot be saved comes back with what was typed and why."""
    reflection = get_object_or_404(Reflection.objects.open_to_reactions_by(request.user), pk=pk)
    form = ReactionForm(request.POST)
    progress_url = reverse("coaching:progress", args=[reflection.enrolment_id])
    if form.is_valid() and run_service(
        form,
        services.reflection_react,
        reflection=reflection,
        actor=request.user,
        text=form.cleaned_data["text"],
    ):
        messages.success(request, _("Your reaction has been saved."))
        return redirect(f"{progress_url}#reflection-{reflection.pk}")
    context = {
        "form": form,
        "heading": _("React"),
        "submit": _("Save reaction"),
        "back_url": progress_url,
        "back_label": reflection.enrolment.learner.name,
    }
    return render(request, "coaching/note_form.html", context)


@login_required
@submitted_once
def peer_request(request, pk):
    enrolment = _own_enrolment(request, pk)
    peers = [e.learner for e in selectors.peers_in_group(enrolment)]
    goals = enrolment.cohort.program.goals.order_by("position", "pk")
    form = PeerRequestForm(request.POST or None, peers=peers, goals=goals)
    if request.method == "POST" and form.is_valid():
        asked = run_service(
            form,
            services.peer_feedback_request,
            actor=request.user,
            enrolment=enrolment,
            goal=form.cleaned_data["goal"],
            peer=form.cleaned_data["peer"],
            question=form.cleaned_data["question"],
        )
        if asked:
            messages.success(
                request, _("%(name)s is asked for feedback.") % {"name": asked.requested_from}
            )
            return redirect("coaching:progress", pk=enrolment.pk)
    context = {"form": form, "enrolment": enrolment, "has_peers": bool(peers)}
    return render(request, "coaching/peer_request_form.html", context)


@login_required
@submitted_once
def peer_give(request, pk):
    requests = PeerFeedback.objects.answerable_by(request.user)
    asked = get_object_or_404(requests.select_related("enrolment__learner", "goal"), pk=pk)
    form = PeerFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            services.peer_feedback_give,
            request=asked,
            actor=request.user,
            text=form.cleaned_data["text"],
        ):
            messages.success(request, _("Thank you, your feedback has been shared."))
            return redirect("coaching:my-progress")
    return render(request, "coaching/peer_give_form.html", {"form": form, "asked": asked})


# --- History: who changed what. Managers of the program; a learner their own records. ---


@login_required
@require_safe
def enrolment_history(request, pk):
    managed = Q(cohort__in=Cohort.objects.managed_by(request.user))
    enrolments = Enrolment.objects.filter(managed | Q(learner=request.user))
    enrolment = get_object_or_404(enrolments.select_related("learner", "cohort__program"), pk=pk)
    sources = selectors.enrolment_trail(Enrolment.objects.filter(pk=enrolment.pk).values("id"))
    back_url = reverse("coaching:progress", args=[enrolment.pk])
    return audit.render_trail(request, sources, subject=enrolment, back_url=back_url)


@login_required
@require_safe
def my_history(request):
    enrolments = Enrolment.objects.filter(learner=request.user)
    if not enrolments.exists():
        raise Http404
    intro = _(
        "Who changed your enrolments, pairings, feedback, sign-offs and reflections, and when."
    )
    return audit.render_trail(
        request,
        selectors.enrolment_trail(enrolments.values("id")),
        subject=_("My progress"),
        back_url=reverse("coaching:my-progress"),
        intro=intro,
    )


@login_required
@require_safe
def feedback_history(request, pk):
    moments = FeedbackMoment.objects.filter(
        enrolment__cohort__in=Cohort.objects.managed_by(request.user)
    )
    moment = get_object_or_404(moments.select_related("enrolment__learner"), pk=pk)
    back_url = reverse("coaching:progress", args=[moment.enrolment_id])
    sources = selectors.feedback_moment_trail(moment)
    return audit.render_trail(request, sources, subject=moment, back_url=back_url)


# --- Recognition: a manager's thank-you to a coach. ---


@login_required
@submitted_once
def thank_coach(request, pk):
    """An L&D manager writes a thank-you to a coach of their organisation (the address names
    the coach's membership, so the organisation it is sent from)."""
    memberships = (
        Membership.objects.with_role(Role.COACH)
        .filter(organization__in=Organization.objects.managed_by(request.user))
        .exclude(user=request.user)
        .select_related("user", "organization")
    )
    membership = get_object_or_404(memberships, pk=pk)
    coach = membership.user
    form = ThankYouNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = run_service(
            form,
            services.thank_you_note_create,
            actor=request.user,
            coach=coach,
            organization=membership.organization,
            text=form.cleaned_data["text"],
        )
        if note:
            messages.success(request, _("Your thank-you is sent to %(name)s.") % {"name": coach})
            return redirect("coaching:thank-coach", pk=membership.pk)
    earlier = ThankYouNote.objects.visible_to(request.user).filter(
        coach=coach, organization=membership.organization
    )
    context = {
        "form": form,
        "membership": membership,
        "coach": coach,
        "earlier": earlier.select_related("sender")[: selectors.THANKS_PER_PAGE],
    }
    return render(request, "coaching/thank_coach.html", context)


@login_required
@require_safe
def thanks(request):
    """The thank-you notes the signed-in coach received, newest first, a page at a time."""
    if not request.user.has_role(Role.COACH):
        raise Http404
    notes = selectors.thanks_received(request.user)
    page = Paginator(notes, selectors.THANKS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "coaching/thanks.html", {"page_obj": page})


# --- Coach preparation: the manager's view of the coaches' load ---


@login_required
@require_safe
def coach_load_list(request):
    """Per coach of an organisation the viewer manages (`?organization=<slug>` when there are
    several): learners against capacity, overdue feedback, feedback per week, trained."""
    organizations = list(Organization.objects.managed_by(request.user))
    slug = request.GET.get("organization")
    chosen = [o for o in organizations if slug is None or o.slug == slug]
    if not chosen:
        raise Http404
    organization = chosen[0]
    today = timezone.localdate()
    filters = CoachLoadFilter(request.GET, queryset=coach_load.coach_loads(organization, on=today))
    page = coach_load.coach_load_page(
        organization, filters.qs, page_number=request.GET.get("page"), on=today
    )
    context = {
        "organization": organization,
        "organizations": organizations,
        "filters": filters,
        "page_obj": page,
        "weeks": coach_load.WEEKS,
    }
    return render(request, "coaching/coach_load.html", context)


# --- Line managers and progress reviews ---------------------------------------------------

TEAM_PER_PAGE = 25


@login_required
@require_safe
def team(request):
    """The line manager's team: its learners' running enrolments with progress and the next
    review, a page at a time."""
    if not request.user.has_role(Role.LINE_MANAGER):
        raise Http404
    page = Paginator(selectors.team_enrolments(request.user), TEAM_PER_PAGE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    enrolments = list(page.object_list)
    statuses = attention.enrolment_statuses(enrolments, on=today)
    next_reviews = selectors.next_reviews([e.pk for e in enrolments])
    rows = [(statuses[e.pk], next_reviews.get(e.pk)) for e in enrolments]
    teams = sorted(
        {m.team for m in request.user.current_memberships if m.is_line_manager}, key=str.lower
    )
    context = {"page_obj": page, "rows": rows, "teams": teams, "today": today}
    return render(request, "coaching/team.html", context)


def _enrolment_to_plan(request, pk):
    enrolments = ProgressReview.plannable_enrolments(request.user).select_related(
        "learner", "cohort__program"
    )
    return get_object_or_404(enrolments, pk=pk)


def _reviews_url(enrolment_id) -> str:
    return reverse("coaching:progress", args=[enrolment_id]) + "#reviews"


@login_required
@submitted_once
def review_plan(request, pk):
    """The learner's coach or an L&D manager plans a progress review."""
    enrolment = _enrolment_to_plan(request, pk)
    form = ProgressReviewPlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            services.progress_review_plan,
            actor=request.user,
            enrolment=enrolment,
            planned_on=form.cleaned_data["planned_on"],
        ):
            messages.success(request, _("Progress review planned."))
            return redirect(_reviews_url(enrolment.pk))
    context = {
        "form": form,
        "enrolment": enrolment,
        "default_days": services.default_review_days(enrolment),
        "planned": enrolment.progress_reviews.all(),
    }
    return render(request, "coaching/review_plan.html", context)


@login_required
@require_POST
@submitted_once
def reviews_plan_default(request, pk):
    """One tap: plan the usual reviews (weeks two and four, and the target date)."""
    enrolment = _enrolment_to_plan(request, pk)
    try:
        planned = services.progress_reviews_plan_default(actor=request.user, enrolment=enrolment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        text = ngettext(
            "%(count)s progress review planned.",
            "%(count)s progress reviews planned.",
            len(planned),
        )
        messages.success(request, text % {"count": len(planned)})
    return redirect(_reviews_url(enrolment.pk))


@login_required
@submitted_once
def review_outcome(request, pk):
    """The learner's coach or line manager records what a review agreed."""
    reviews = ProgressReview.objects.open_to_outcome_by(request.user).select_related(
        "enrolment__learner", "enrolment__cohort__program"
    )
    review = get_object_or_404(reviews, pk=pk)
    form = ProgressReviewOutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            services.progress_review_record_outcome,
            actor=request.user,
            review=review,
            outcome=form.cleaned_data["outcome"],
            held_on=form.cleaned_data["held_on"],
        ):
            messages.success(request, _("Outcome of the progress review saved."))
            return redirect(_reviews_url(review.enrolment_id))
    return render(request, "coaching/review_outcome.html", {"form": form, "review": review})


@login_required
@require_POST
@submitted_once
def review_comment(request, pk):
    """The learner, their coach or their line manager adds a comment to a review."""
    review = get_object_or_404(ProgressReview.objects.open_to_comments_by(request.user), pk=pk)
    form = ProgressReviewCommentForm(request.POST)
    if form.is_valid() and run_service(
        form,
        services.progress_review_comment_create,
        actor=request.user,
        review=review,
        text=form.cleaned_data["text"],
    ):
        messages.success(request, _("Comment saved."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    progress_url = reverse("coaching:progress", args=[review.enrolment_id])
    return redirect(f"{progress_url}#review-{review.pk}")


# --- Program evaluation ----------------------------------------------------------------


@login_required
@submitted_once
def evaluation_learner(request, pk):
    """The learner's evaluation of their program, for the moment open now."""
    enrolments = Enrolment.objects.filter(learner=request.user).select_related("cohort__program")
    enrolment = get_object_or_404(enrolments, pk=pk)
    moment = evaluations.open_moment(enrolment, today=timezone.localdate())
    if moment is None:
        if enrolment.evaluations.exists():
            messages.info(request, _("You have evaluated this program already. Thank you!"))
            return redirect("coaching:progress", pk=enrolment.pk)
        raise Http404
    program = enrolment.cohort.program
    questions = program_selectors.evaluation_questions(program, EvaluationAudience.LEARNER)
    form = EvaluationForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            evaluations.learner_evaluation_submit,
            actor=request.user,
            enrolment=enrolment,
            scores=form.scores(),
            open_answer=form.open_answer(),
        ):
            messages.success(request, _("Thank you for your evaluation."))
            return redirect("coaching:progress", pk=enrolment.pk)
    context = {
        "form": form,
        "program": program,
        "halfway": moment == EvaluationMoment.HALFWAY,
        "back_url": reverse("coaching:progress", args=[enrolment.pk]),
    }
    return render(request, "coaching/evaluation_form.html", context)


@login_required
@submitted_once
def evaluation_coach(request, pk):
    """A coach's evaluation of the program of a group they coached in."""
    groups = evaluations.groups_to_evaluate(request.user, today=timezone.localdate())
    cohort = groups.filter(pk=pk).first()
    if cohort is None:
        if request.user.program_evaluations.filter(cohort=pk).exists():
            messages.info(request, _("You have evaluated this program already. Thank you!"))
            return redirect("coaching:home")
        raise Http404
    questions = program_selectors.evaluation_questions(cohort.program, EvaluationAudience.COACH)
    form = EvaluationForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            evaluations.coach_evaluation_submit,
            actor=request.user,
            cohort=cohort,
            scores=form.scores(),
            open_answer=form.open_answer(),
        ):
            messages.success(request, _("Thank you for your evaluation."))
            return redirect("coaching:home")
    context = {
        "form": form,
        "program": cohort.program,
        "group": cohort,
        "back_url": reverse("coaching:home"),
    }
    return render(request, "coaching/evaluation_form.html", context)


GROUPS_PER_PAGE = 20


@login_required
@require_safe
def evaluation_results(request, pk):
    """A program's evaluation results for its L&D managers: all groups or one, learners
    (at the end or halfway) or coaches; nothing below the program's minimum of people."""
    program = get_object_or_404(Program.objects.managed_by(request.user), pk=pk)
    chosen = EvaluationResultsFilter(request.GET or None, program=program)
    if chosen.is_bound and "group" in chosen.errors:
        raise Http404
    audience, moment, group = chosen.choice()
    groups = evaluations.group_people_counts(program, audience=audience, moment=moment)
    context = {
        "program": program,
        "filter": chosen,
        "audience": audience,
        "moment": moment,
        "group": group,
        "results": evaluations.evaluation_results(
            program, audience=audience, moment=moment, cohort=group
        ),
        "groups": Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page")),
        "chosen_query": urlencode({"audience": audience, "moment": moment}),
        "is_learners": audience == EvaluationAudience.LEARNER,
    }
    return render(request, "coaching/evaluation_results.html", context)
