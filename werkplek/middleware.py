import zoneinfo

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django_htmx.http import HttpResponseClientRedirect

from werkplek import signin


class IdleSessionMiddleware:
    """End a session after SESSION_COOKIE_AGE seconds without a request, writing the session
    at most every SESSION_RENEW_INTERVAL seconds rather than on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signin.session_seen(request)
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Send an L&D manager whose organisation requires two-step sign-in, and who has not
    set it up, to its set-up page from every page but the few they need on the way.

    A view hook rather than a check in the login: it runs for every URL that reaches a view
    (typing another address changes nothing), also for sessions that began before the
    setting was turned on. Static files never reach a view (whitenoise serves them)."""

    # URL names that stay open: the set-up itself, and leaving, the language, the privacy page.
    OPEN = frozenset({"two-factor", "logout", "language-switch", "privacy"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or request.resolver_match.view_name in self.OPEN:
            return None
        if not signin.must_set_up_two_factor(request.user):
            return None
        if request.htmx:  # not the set-up page swapped into a part: the whole page goes
            return HttpResponseClientRedirect(reverse("two-factor"))
        return redirect("two-factor")


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
