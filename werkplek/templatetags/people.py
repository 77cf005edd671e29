"""Template filters for showing people."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def email_wrap(address):
    """The address with line-break chances before "@" and after each "." only, so a narrow
    screen wraps "lotte.de.vries@example.nl" between its parts, never inside a word."""
    parts = re.split(r"(@|\.)", escape(address or ""))
    return mark_safe(  # noqa: S308 - every part was escaped above; only <wbr> is added
        "".join(
            f"<wbr>{part}" if part == "@" else f"{part}<wbr>" if part == "." else part
            for part in parts
        )
    )
