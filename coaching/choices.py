"""Choice sets of coaching."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Shift(models.TextChoices):
    """The work period a feedback moment is about."""

    MORNING = "morning", _("morning shift")
    AFTERNOON = "afternoon", _("afternoon shift")
    NIGHT = "night", _("night shift")
    OTHER = "other", _("other")


class Pace(models.TextChoices):
    """How a learner's projected independence compares with the target date."""

    INDEPENDENT = "independent", _("independent")
    AHEAD = "ahead", _("ahead")
    ON_TRACK = "on_track", _("on track")
    BEHIND = "behind", _("behind")
    NO_DATA = "no_data", _("not enough data yet")


class AttentionReason(models.TextChoices):
    """Why a running enrolment needs someone to act, most urgent first: the order here is
    the order of every attention list."""

    NO_COACH = "no_coach", _("no coach")
    FEEDBACK_OVERDUE = "feedback_overdue", _("feedback overdue")
    BEHIND = "behind", _("behind the target week")
    REFLECTIONS_OVERDUE = "reflections_overdue", _("reflection overdue")
    READY = "ready", _("ready to be marked independent")
    COACH_OVER_CAPACITY = "coach_over_capacity", _("coach over capacity")
    LEARNER_OVERLOADED = "learner_overloaded", _("too much learning at once")


class Currency(models.TextChoices):
    """Whether a sign-off still counts: a task observed again after N days (the checklist
    item's `reobserve_after_days`) is expiring in the last two weeks and expired after."""

    CURRENT = "current", _("current")
    EXPIRING = "expiring", _("expiring")
    EXPIRED = "expired", _("expired")


class EvaluationMoment(models.TextChoices):
    """When a learner evaluates their program: halfway (if the program asks) and at the end."""

    HALFWAY = "halfway", _("halfway")
    END = "end", _("at the end")
