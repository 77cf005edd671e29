import zoneinfo

from django.utils import timezone, translation


class UserPreferencesMiddleware:
    """Serve a signed-in person in their own language and time zone."""

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
        return response
