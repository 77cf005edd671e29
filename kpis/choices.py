"""Choice sets of KPIs: which way is better, what is measured, and how often."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    """Whether a KPI improves as its value rises or as it falls."""

    HIGHER = "higher", _("higher is better")
    LOWER = "lower", _("lower is better")


class SubjectLevel(models.TextChoices):
    """What one measurement is about: a person, a team, a group, a program or everyone."""

    LEARNER = "learner", _("learner")
    TEAM = "team", _("team")
    GROUP = "group", _("group")
    PROGRAM = "program", _("program")
    ORGANIZATION = "organization", _("organisation")


class Cadence(models.TextChoices):
    """How often a KPI is measured: one value per week, month or quarter."""

    WEEK = "week", _("every week")
    MONTH = "month", _("every month")
    QUARTER = "quarter", _("every quarter")
