"""Template filters for mails."""

from django import template

from werkplek.lib.urls import absolute_url

register = template.Library()


@register.filter
def absolute(path):
    """A site path as the full address a mail needs."""
    return absolute_url(path)
