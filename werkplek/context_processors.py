from django.utils.functional import SimpleLazyObject

from werkplek import notifications
from werkplek.choices import Role
from werkplek.views import HOME_ROLE_SESSION_KEY


def roles(request):
    """The signed-in person's roles, so the navigation shows only what they may use.

    `home_role` is the role whose page the home link leads to now (the switcher marks it).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": set()}
    home_role = user.home_role(request.session.get(HOME_ROLE_SESSION_KEY))
    return {"user_roles": user.roles, "home_role": home_role, "Role": Role}


def unread_notifications(request):
    """The bell's count: counted when a template first shows it, then kept for the rest of
    the request (a page and its partials share one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not hasattr(request, "_unread_notifications"):
        request._unread_notifications = SimpleLazyObject(lambda: notifications.unread_count(user))
    return {"unread_notifications": request._unread_notifications}
