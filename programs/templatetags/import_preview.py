"""Filters for the import preview."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def email_breaks(address: str) -> str:
    """An e-mail address that a narrow screen wraps before the @ and after a dot, never in
    the middle of a word."""
    text = str(escape(address))
    return mark_safe(text.replace("@", "<wbr>@").replace(".", ".<wbr>"))  # noqa: S308 - escaped
