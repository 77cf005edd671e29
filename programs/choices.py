"""Choice sets of learning programs; the four-level scale is used by the whole product."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """How well a learner masters a goal. Level 3 is the line that counts as independent."""

    BEGINNER = 1, _("beginner")
    WITH_HELP = 2, _("with help")
    INDEPENDENT = 3, _("independent")
    CAN_TEACH = 4, _("can teach others")


class ProgramStatus(models.TextChoices):
    """A program's lifecycle: designed, tried on a pilot group, run, and kept for its history."""

    DRAFT = "draft", _("draft")
    PILOT = "pilot", _("pilot")
    ACTIVE = "active", _("active")
    ARCHIVED = "archived", _("archived")


# Where each status may go next. Archived is final: the program stays readable as evidence.
STATUS_TRANSITIONS = {
    ProgramStatus.DRAFT: [ProgramStatus.PILOT, ProgramStatus.ACTIVE, ProgramStatus.ARCHIVED],
    ProgramStatus.PILOT: [ProgramStatus.ACTIVE, ProgramStatus.ARCHIVED],
    ProgramStatus.ACTIVE: [ProgramStatus.ARCHIVED],
    ProgramStatus.ARCHIVED: [],
}


class BuiltinMethod(models.TextChoices):
    """The learning methods every organisation has; organisations may add their own."""

    ON_THE_JOB_COACHING = "on_the_job_coaching", _("on-the-job coaching")
    MICRO_LEARNING = "micro_learning", _("micro-learning")
    PEER_LEARNING = "peer_learning", _("peer learning")
    BLENDED_LEARNING = "blended_learning", _("blended learning")
    SIMULATION = "simulation", _("simulation or role play")


class EndReason(models.TextChoices):
    """Why an enrolment ended. Only *independent* counts as reaching the program's goal; the
    others are censored for time to independence, not failures."""

    INDEPENDENT = "independent", _("independent")
    LEFT_ORGANISATION = "left_organisation", _("left the organisation")
    STOPPED = "stopped", _("stopped")
    MOVED_PROGRAM = "moved_program", _("moved to another program")


class ReminderRhythm(models.TextChoices):
    """When a program's learners are reminded of reflections that are due (coaching.reminders)."""

    AFTER_FEEDBACK = "after_feedback", _("once, after each feedback moment")
    DAILY = "daily", _("every working day")
    WEEKDAYS = "weekdays", _("on chosen weekdays")


class EvaluationAudience(models.TextChoices):
    """Who answers a program's evaluation: its learners, or the coaches who guided them."""

    LEARNER = "learner", _("learners")
    COACH = "coach", _("coaches")
