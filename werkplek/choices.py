"""Choice sets that the whole product shares."""

import zoneinfo

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person does in an organisation; a person may hold several."""

    MANAGER = "manager", _("L&D manager")
    # The learners' own boss: reads the progress of the learners of their team.
    LINE_MANAGER = "line_manager", _("line manager")
    COACH = "coach", _("coach")
    LEARNER = "learner", _("learner")


class Weekday(models.IntegerChoices):
    """ISO weekday numbers (Monday is 1), as `date.isoweekday()` gives them."""

    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


def default_working_weekdays() -> list[int]:
    """Monday to Friday."""
    return [1, 2, 3, 4, 5]


# The zones people here live and work in, first in the picker with names they recognise.
COMMON_TIME_ZONES = [
    ("Europe/Amsterdam", _("Netherlands (Amsterdam)")),
    ("Europe/Brussels", _("Belgium (Brussels)")),
    ("Europe/Berlin", _("Germany (Berlin)")),
    ("Europe/London", _("United Kingdom (London)")),
    ("Europe/Paris", _("France (Paris)")),
    ("Europe/Madrid", _("Spain (Madrid)")),
    ("Europe/Lisbon", _("Portugal (Lisbon)")),
    ("Europe/Warsaw", _("Poland (Warsaw)")),
    ("Europe/Bucharest", _("Romania (Bucharest)")),
    ("Europe/Istanbul", _("Turkey (Istanbul)")),
    ("Africa/Casablanca", _("Morocco (Casablanca)")),
    ("America/Paramaribo", _("Suriname (Paramaribo)")),
    ("America/Curacao", _("Curaçao (Willemstad)")),
    ("America/Aruba", _("Aruba (Oranjestad)")),
    ("America/Kralendijk", _("Caribbean Netherlands (Kralendijk)")),
    ("UTC", _("UTC (coordinated universal time)")),
]
# Real places only: no legacy aliases such as "GB-Eire", "US/Eastern" or "Factory".
TIME_ZONE_REGIONS = [
    ("Europe", _("Europe")),
    ("Africa", _("Africa")),
    ("America", _("America")),
    ("Asia", _("Asia")),
    ("Atlantic", _("Atlantic Ocean")),
    ("Australia", _("Australia")),
    ("Indian", _("Indian Ocean")),
    ("Pacific", _("Pacific Ocean")),
    ("Antarctica", _("Antarctica")),
]


def _place(zone: str) -> str:
    """'America/Argentina/Buenos_Aires' → 'Argentina / Buenos Aires'."""
    return zone.split("/", 1)[1].replace("_", " ").replace("/", " / ")


def time_zone_choices() -> list:
    """The common zones first, then every other place grouped by region, named by city."""
    common = {zone for zone, _label in COMMON_TIME_ZONES}
    available = zoneinfo.available_timezones()
    groups = [(_("Common"), list(COMMON_TIME_ZONES))]
    for prefix, label in TIME_ZONE_REGIONS:
        zones = sorted(z for z in available if z.startswith(f"{prefix}/") and z not in common)
        groups.append((label, [(zone, _place(zone)) for zone in zones]))
    return groups
