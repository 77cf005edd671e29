"""KPI values and periods as the page's language writes them ("112,5", "oktober 2026")."""

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from kpis.choices import Direction

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


def _signed(value: float, decimals: int) -> str:
    # A true minus sign, and no "−0,0" for a change that rounds to nothing.
    rounded = round(value, decimals)
    text = formats.number_format(rounded or 0.0, decimal_pos=decimals, use_l10n=True)
    return text.replace("-", "\u2212")


@register.filter
def kpi_effect(effect: dict, decimals) -> str:
    """A stored estimate with its 95% interval in the page's language: "−12,3 (−18,0 tot
    −6,6)"; values that do not vary give no interval and say so."""
    decimals = int(decimals)
    estimate = _signed(effect["estimate"], decimals)
    if effect["low"] is None or effect["high"] is None:
        return _("%(estimate)s (no spread, so no interval)") % {"estimate": estimate}
    return _("%(estimate)s (%(low)s to %(high)s)") % {
        "estimate": estimate,
        "low": _signed(effect["low"], decimals),
        "high": _signed(effect["high"], decimals),
    }


@register.filter
def kpi_verdict(effect: dict, kpi) -> str:
    """What a stored estimate means in plain words: better or worse (by the KPI's
    direction) and more than chance, or not to tell apart from chance."""
    if not effect.get("significant"):
        return _("not distinguishable from chance")
    lower_is_better = kpi.direction == Direction.LOWER
    if (effect["estimate"] < 0) == lower_is_better:
        return _("better, more than chance")
    return _("worse, more than chance")
