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
