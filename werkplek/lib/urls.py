"""Addresses that leave the site: links in mails."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """The full address of a path on this site (SITE_URL: a mail has no request to ask)."""
    return settings.SITE_URL.rstrip("/") + path
