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
