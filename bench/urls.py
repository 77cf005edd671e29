"""The app's own URLs plus the floor: a page that does only what every signed-in page does.

The floor is routed here, in the benchmark's URLconf, and never in production's: it is no
page a person needs, so the app does not serve it (and the permission matrix, which walks
production's URLconf, has nothing to check)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from werkplek.urls import urlpatterns as app_urlpatterns


@login_required
def floor(request):
    """The whole middleware stack, the session and its user, and no work of its own: what
    each page's p95 is divided by."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/floor/", floor, name="bench-floor"), *app_urlpatterns]
