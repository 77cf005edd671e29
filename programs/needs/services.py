"""The writes of a needs analysis: asking people, their answers, and an imported list."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.choices import ProgramStatus
from programs.models import Program
from programs.needs import imports, mails
from programs.needs.models import (
    NeedsAnalysis,
    NeedsImport,
    NeedsRating,
    NeedsRequest,
    Round,
    Source,
)
from programs.services import AlreadyImported, ensure_manager
from werkplek import audit, outbox
from werkplek.models import Membership, User

# People asked in one go, a team and addresses together.
MAX_PEOPLE = 200


def too_many_people() -> str:
    return _(
        "Ask at most %(max)s people at a time. Ask a larger team in parts, by e-mail address."
    ) % {"max": MAX_PEOPLE}


def round_to_start(
    program: Program, rounds: dict[str, NeedsAnalysis] | None = None
) -> Round | None:
    """The round a manager can ask people for now: the baseline while the program is a
    draft; the round after it once the program runs, if it had a baseline. None once that
    round is closed, or the program archived. `rounds`: the program's rounds by name, if read."""
    if program.status == ProgramStatus.ARCHIVED:
        return None
    if rounds is None:
        rounds = {analysis.round: analysis for analysis in program.needs_analyses.all()}
    if program.status == ProgramStatus.DRAFT:
        current = Round.BEFORE
    elif Round.BEFORE in rounds:
        current = Round.AFTER
    else:
        return None
    if current in rounds and rounds[current].is_closed:
        return None
    return current


def _closed() -> ValidationError:
    return ValidationError(_("This round of the needs analysis is closed."))


def _open_round(program: Program, actor: User) -> NeedsAnalysis:
    """The round people are asked in now, made on the first request."""
    current = round_to_start(program)
    if current is None and program.needs_analyses.exists():
        raise _closed()
    if current is None:
        raise ValidationError(
            _(
                "A needs analysis starts while the program is a draft; the round after the "
                "program compares with that baseline."
            )
        )
    if not program.goals.exists():
        raise ValidationError(_("Add the program's learning goals first: people rate those."))
    # The caller holds the program's lock: no second round is made meanwhile.
    analysis = program.needs_analyses.filter(round=current).first()
    if analysis is None:
        analysis = NeedsAnalysis(program=program, round=current, started_by=actor)
        audit.acted_by(analysis, actor).save()
    return analysis


@transaction.atomic
def needs_analysis_close(*, actor: User, analysis: NeedsAnalysis) -> NeedsAnalysis:
    """End a round: it accepts no more answers, and its averages show (see
    programs.needs.selectors). Closing is final; a round closed already stays as it was."""
    ensure_manager(actor, analysis.program)
    analysis = (
        NeedsAnalysis.objects.select_for_update().select_related("program").get(pk=analysis.pk)
    )
    if analysis.is_closed:
        raise _closed()
    analysis.closed_at, analysis.closed_by = timezone.now(), actor
    audit.acted_by(analysis, actor).save(update_fields=["closed_at", "closed_by"])
    return analysis


@transaction.atomic
def needs_analysis_ask(*, actor: User, program: Program, people: list[User]) -> list[NeedsRequest]:
    """Ask people of the program's organisation to rate its goals in the current round; each
    new one is told in the app and by mail. People asked before are not asked twice.
    Returns the new requests."""
    ensure_manager(actor, program)
    if len(people) > MAX_PEOPLE:
        raise ValidationError(too_many_people())
    # Two managers asking at once: the second waits here, then finds the first's round.
    Program.objects.select_for_update().filter(pk=program.pk).first()
    analysis = _open_round(program, actor)
    members = set(
        Membership.objects.current()
        .filter(organization=program.organization, user__in=people)
        .values_list("user", flat=True)
    )
    strangers = [person.name for person in people if person.pk not in members]
    if strangers:
        raise ValidationError(
            _("Not in your organisation: %(names)s.") % {"names": ", ".join(sorted(strangers))}
        )
    asked = set(analysis.requests.values_list("person", flat=True))
    made = []
    for person in people:
        if person.pk in asked:
            continue
        asked.add(person.pk)
        request = NeedsRequest(analysis=analysis, person=person, asked_by=actor)
        request.full_clean()
        request.save()
        made.append(request)
        outbox.enqueue(
            recipient=person,
            kind=mails.NEEDS_REQUEST,
            due_slot=f"needs:{request.pk}",
            context={
                "request": request.pk,
                "program": program.name,
                "organizations": [program.organization_id],
            },
        )
    return made


def _source_for(actor: User, request: NeedsRequest) -> Source:
    """Self when the person answers; manager when their L&D manager does. A person's own
    answers are theirs: nobody else replaces them."""
    if actor.pk == request.person_id:
        return Source.SELF
    ensure_manager(actor, request.analysis.program)
    if request.is_answered_by_person():
        raise ValidationError(
            _("%(name)s answered themselves; their answers stay theirs.")
            % {"name": request.person.name}
        )
    return Source.MANAGER


@transaction.atomic
def needs_answer(
    *, actor: User, request: NeedsRequest, answers: dict[int, tuple[int, int]]
) -> NeedsRequest:
    """Record the ratings of every goal for the request's person: by the person themselves, or
    by an L&D manager for someone who did not answer. Answers may be changed while the round
    is open; each version stays in the history."""
    # The round's lock first, as the import takes it: no answer slips between its check and save.
    NeedsAnalysis.objects.select_for_update().filter(pk=request.analysis_id).first()
    request = (
        NeedsRequest.objects.select_for_update()
        .select_related("analysis__program", "person")
        .get(pk=request.pk)
    )
    source = _source_for(actor, request)
    if not request.analysis.accepts_answers:
        raise _closed()
    goals = list(request.analysis.program.goals.values_list("pk", flat=True))
    if set(answers) != set(goals):
        raise ValidationError(_("Rate every learning goal of the program."))
    existing = {rating.goal_id: rating for rating in request.ratings.all()}
    now = timezone.now()
    for goal_id in goals:
        importance, ability = answers[goal_id]
        rating = existing.get(goal_id) or NeedsRating(request=request, goal_id=goal_id)
        if rating.pk and (rating.importance, rating.ability, rating.source) == (
            importance,
            ability,
            source,
        ):
            continue
        rating.importance, rating.ability = importance, ability
        rating.source, rating.rated_by, rating.rated_at = source, actor, now
        audit.acted_by(rating, actor)
        # One rating per goal: the request's lock above and the unique constraint hold it.
        rating.full_clean(validate_constraints=False)
        rating.save()
    request.answered_at, request.source = now, source
    request.save(update_fields=["answered_at", "source"])
    return request


@transaction.atomic
def needs_import_create(*, analysis: NeedsAnalysis, rows: list, actor: User) -> NeedsImport:
    """A manager's checked list of ratings, kept until its preview is confirmed: only the rows
    to import, none with an error. Previews left for a day are removed on the way."""
    ensure_manager(actor, analysis.program)
    if not analysis.accepts_answers:
        raise _closed()
    if any(row.errors for row in rows):
        raise ValidationError(_("Fix the rows with errors before importing."))
    NeedsImport.objects.stale().delete()
    return NeedsImport.objects.create(
        analysis=analysis,
        rows=[row.as_dict() for row in rows if not row.is_skipped],
        created_by=actor,
    )


@transaction.atomic
def needs_import_confirm(*, needs_import: NeedsImport, actor: User) -> int:
    """Import a previewed list once, all of its rows or none: the first confirm claims it, a
    later one raises AlreadyImported. The rows are checked again under the round's lock (that
    every answer takes too), so a person answering meanwhile makes the list changed, never
    half-written. Returns the number of ratings written."""
    analysis = needs_import.analysis
    ensure_manager(actor, analysis.program)
    NeedsAnalysis.objects.select_for_update().filter(pk=analysis.pk).first()
    if not analysis.accepts_answers:
        raise _closed()
    claimed = NeedsImport.objects.filter(pk=needs_import.pk, imported_at__isnull=True).update(
        imported_at=timezone.now()
    )
    if not claimed:
        raise AlreadyImported
    rows = imports.check_rows([imports.RatingRow.typed(row) for row in needs_import.rows], analysis)
    # The preview kept only the rows to import: one skipped now was rated since.
    if any(row.errors or row.is_skipped for row in rows):
        raise ValidationError(_("The list changed since the preview. Upload it again."))
    people = {user.email: user for user in User.objects.filter(email__in={r.email for r in rows})}
    requests = {}
    now = timezone.now()
    for row in rows:
        person = people[row.email]
        request = requests.get(person.pk)
        if request is None:
            request, _made = NeedsRequest.objects.get_or_create(
                analysis=analysis, person=person, defaults={"asked_by": actor}
            )
            requests[person.pk] = request
        rating = NeedsRating(
            request=request,
            goal_id=row.goal_id,
            importance=row.importance_value,
            ability=row.ability_value,
            source=Source.IMPORT,
            rated_by=actor,
            rated_at=now,
        )
        audit.acted_by(rating, actor)
        rating.full_clean(validate_constraints=False)
        rating.save()
    NeedsRequest.objects.filter(pk__in=[r.pk for r in requests.values()], source="").update(
        answered_at=now, source=Source.IMPORT
    )
    needs_import.imported_count = len(rows)
    needs_import.save(update_fields=["imported_count"])
    return len(rows)
