"""KPI values as the page's language writes them ("112,5" in Dutch), with the KPI's decimals."""

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def kpi_number(value, decimals):
    """`value` rounded to `decimals` digits, with the decimal mark of the active language."""
    if value is None or value == "":
        return ""
    return formats.number_format(value, decimal_pos=int(decimals), use_l10n=True)
