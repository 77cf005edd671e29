"""KPI values and periods as the page's language writes them ("112,5", "oktober 2026")."""

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def kpi_number(value, decimals):
    """`value` rounded to `decimals` digits, with the decimal mark of the active language."""
    if value is None or value == "":
        return ""
    return formats.number_format(value, decimal_pos=int(decimals), use_l10n=True)


@register.filter
def kpi_period(start, kpi):
    """The period of `kpi` starting on `start` in words ("week 42, 2026", "oktober 2026")."""
    return kpi.period_label(start) if start else ""
