"""Choice sets that the whole product shares."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person does in an organisation; a person may hold several."""

    MANAGER = "manager", _("L&D manager")
    COACH = "coach", _("coach")
    LEARNER = "learner", _("learner")
