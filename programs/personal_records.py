"""programs' part of a person's data (see werkplek.personal_data): their enrolments, the
coaches paired with them, the invitations and import lists that named them, and the needs
analyses they were asked for (programs.needs.personal_records); and a coach's training
records and the programs they may coach."""

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.models import (
    CoachProgram,
    CoachTraining,
    Enrolment,
    Invitation,
    LearnerImport,
    Pairing,
)
from programs.needs import personal_records as needs_records
from werkplek.personal_data import Erasing, Kind, Reader, register, remove, rewrite, scrub

# The line manager of the learner's team reads the enrolment on the progress page.
AROUND_THE_LEARNER = frozenset(
    {Reader.PERSON, Reader.COACH, Reader.FORMER_COACH, Reader.MANAGER, Reader.LINE_MANAGER}
)

KINDS = [
    Kind(
        name="enrolments",
        model=Enrolment,
        about=("learner",),
        columns=(
            "program__organization__name",
            "program__name",
            "cohort__name",
            "started_on",
            "target_on",
            "ended_on",
            "end_reason",
            "created_at",
        ),
        label=_("Enrolments"),
        purpose=_("Which programs you follow, since when, and how they ended."),
        readers=AROUND_THE_LEARNER,
    ),
    Kind(
        name="pairings",
        model=Pairing,
        about=("enrolment__learner", "coach"),
        columns=(
            "enrolment__program__name",
            "enrolment__learner__name",
            "coach__name",
            "started_on",
            "ended_on",
        ),
        label=_("Coach pairings"),
        purpose=_("Who guides you, or whom you guide, and over which period."),
        readers=AROUND_THE_LEARNER,
    ),
    Kind(
        name="invitations",
        model=Invitation,
        about=("enrolment__learner",),
        columns=("cohort__name", "name", "email", "started_on", "created_at", "accepted_at"),
        label=_("Invitations"),
        purpose=_("How you were invited to join a group."),
        readers=frozenset({Reader.MANAGER}),
    ),
    *needs_records.KINDS,
    Kind(
        name="coach_trainings",
        model=CoachTraining,
        about=("coach",),
        columns=(
            "organization__name",
            "course",
            "provider",
            "completed_on",
            "valid_until",
            "recorded_by__name",
            "created_at",
        ),
        label=_("Coach trainings"),
        purpose=_("The trainings you completed to prepare for coaching."),
        readers=frozenset({Reader.PERSON, Reader.MANAGER}),
    ),
    Kind(
        name="coach_programs",
        model=CoachProgram,
        about=("coach",),
        columns=("program__organization__name", "program__name", "created_at"),
        label=_("Programs you may coach"),
        purpose=_("Which programs your L&D manager lets you coach."),
        readers=frozenset({Reader.PERSON, Reader.MANAGER}),
    ),
]


def enrolments_erased(erasing: Erasing):
    """The person's enrolments an erasure covers: all of them, or for the retention job
    those in its organisations that ended before its cutoff."""
    enrolments = Enrolment.objects.filter(learner=erasing.person)
    if erasing.ended_before is not None:
        enrolments = enrolments.filter(
            ended_on__lt=erasing.ended_before,
            program__organization__in=erasing.organizations,
        )
    return enrolments


def erase(erasing: Erasing) -> None:
    """Names and addresses in invitations and import lists, and a coach's training records
    and programs; the enrolments are marked anonymised (their dates, reasons and counts
    stay)."""
    enrolments = enrolments_erased(erasing)
    if erasing.ended_before is None:
        # A coach's preparation is about them alone: nothing is counted from it later.
        remove(CoachTraining, Q(coach=erasing.person))
        remove(CoachProgram, Q(coach=erasing.person))
        scrub(
            Invitation,
            Q(enrolment__in=enrolments) | Q(email__iexact=erasing.email),
            name=erasing.anonymous_name,
            email=erasing.anonymous_email,
        )
        rewrite(
            LearnerImport,
            Q(rows__icontains=erasing.email),
            lambda preview: {"rows": erasing.redact(preview.rows)},
        )
        needs_records.erase(erasing)
    # A marker for the retention job, not a personal value: the audit rows need not have it.
    enrolments.filter(anonymised_at__isnull=True).update(anonymised_at=timezone.now())


def expired(ended_before: datetime.date, organizations: list[int]) -> set[int]:
    """Learners with an enrolment in one of `organizations` that ended before the cutoff
    and is not anonymised yet."""
    return set(
        Enrolment.objects.filter(
            ended_on__lt=ended_before,
            anonymised_at__isnull=True,
            program__organization__in=organizations,
        )
        .values_list("learner", flat=True)
        .distinct()
    )


def register_part() -> None:
    register("programs", kinds=KINDS, erase=erase, expired=expired)
