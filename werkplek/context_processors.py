from werkplek.choices import Role


def roles(request):
    """The signed-in person's roles, so the navigation shows only what they may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": set()}
    return {"user_roles": user.roles, "Role": Role}
