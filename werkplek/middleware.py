import zoneinfo

from django.conf import settings
from django.utils import timezone, translation

from werkplek import signin


class IdleSessionMiddleware:
    """End a session after SESSION_COOKIE_AGE seconds without a request, writing the session
    at most every SESSION_RENEW_INTERVAL seconds rather than on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signin.session_seen(request)
        return self.get_response(request)


class UserPreferencesMiddleware:
    """Serve a signed-in person in their own language and time zone.

    Their language also goes into the language cookie, on login and whenever they change it, so
    the login page after they log out speaks it too; before anyone is known the browser decides.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        response = self.get_response(request)
        timezone.deactivate()
        # Read again: logging in during this request replaced request.user.
        if request.user.is_authenticated:
            remember_language(response, request, request.user.language)
        return response


def remember_language(response, request, language):
    """Set the language cookie when it does not say `language` already."""
    name = settings.LANGUAGE_COOKIE_NAME
    if request.COOKIES.get(name) == language or name in response.cookies:
        return
    response.set_cookie(
        name,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
