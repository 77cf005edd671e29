"""Sign-in protection: who is asking (account and address), the lockout page, the
password-reset throttles, the session's idle clock and the two-step sign-in's state.

Failed passwords are counted by django-axes (settings AXES_*); this module gives it the
account and the address to count by, answers a lockout with the login page, and writes the
log line. Reset requests are counted here: per account in the outbox (each reset mail is a
row there), per address in the cache.
"""

import datetime
import ipaddress
import logging
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import ngettext
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from werkplek import mails
from werkplek.models import OutboxMessage, User

logger = logging.getLogger(__name__)

# When the person was last seen, in seconds since the epoch (IdleSessionMiddleware).
SESSION_SEEN_KEY = "seen_at"


def account_of(request, credentials) -> str | None:
    """The account a sign-in attempt is for, as the login matches it (capitals are the same
    account), so that typing capitals does not give an attacker a fresh count."""
    typed = (credentials or {}).get("username") or request.POST.get("username")
    if not typed:
        return None
    return User.objects.normalize_email(typed).lower()


def client_address(request) -> str | None:
    """The address of the person's device: behind PROXY_COUNT proxies, the entry of
    X-Forwarded-For that the nearest proxy added (entries further left come from the client
    and can be forged); else the address that connected."""
    connected = request.META.get("REMOTE_ADDR")
    count = settings.PROXY_COUNT
    if not count:
        return connected
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [address for address in forwarded if address]
    if len(forwarded) < count:
        return connected
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return connected


def lockout_message() -> str:
    minutes = settings.SIGNIN_COOLOFF_MINUTES
    return ngettext(
        "Too many failed attempts to log in. For your safety, logging in is paused for "
        "%(minutes)d minute. Forgot your password? Choose a new one below.",
        "Too many failed attempts to log in. For your safety, logging in is paused for "
        "%(minutes)d minutes. Forgot your password? Choose a new one below.",
        minutes,
    ) % {"minutes": minutes}


def log_lockout(sender, request, username, ip_address, **kwargs):
    """One log line per lockout, and one per attempt refused during it (axes' signal)."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        logger.warning(
            "Sign-in refused during lockout: account=%s address=%s", username, ip_address
        )
    else:
        logger.warning(
            "Sign-in locked after %d failures: account=%s address=%s",
            failures,
            username,
            ip_address,
        )


def reset_request_allowed(request) -> bool:
    """Count a password-reset request from this address in this clock hour; False past
    PASSWORD_RESET_REQUESTS_PER_HOUR. The same for every e-mail address typed, so the
    answer tells nothing about which accounts exist."""
    hour = timezone.now().strftime("%Y-%m-%dT%H")
    key = f"password-reset:{client_address(request)}:{hour}"
    cache.add(key, 0, timeout=60 * 60)
    return cache.incr(key) <= settings.PASSWORD_RESET_REQUESTS_PER_HOUR


def reset_mail_allowed(user) -> bool:
    """Whether `user` may get another reset mail: fewer than PASSWORD_RESET_MAILS_PER_HOUR
    in the last hour. Past it the request is answered as always and no mail goes."""
    since = timezone.now() - datetime.timedelta(hours=1)
    sent = OutboxMessage.objects.filter(
        recipient=user, kind=mails.PASSWORD_RESET, created_at__gte=since
    ).count()
    return sent < settings.PASSWORD_RESET_MAILS_PER_HOUR


def session_started(sender, request, user, **kwargs):
    """Signing in counts as activity: the idle clock starts (Django's user_logged_in)."""
    request.session[SESSION_SEEN_KEY] = int(timezone.now().timestamp())


def session_seen(request) -> None:
    """Renew a signed-in session's expiry (SESSION_COOKIE_AGE from now) when it was last
    renewed more than SESSION_RENEW_INTERVAL ago; a session left alone longer than
    SESSION_COOKIE_AGE has expired already and is not found."""
    session = request.session
    if SESSION_KEY not in session:
        return
    now = int(timezone.now().timestamp())
    if now - session.get(SESSION_SEEN_KEY, 0) >= settings.SESSION_RENEW_INTERVAL:
        session[SESSION_SEEN_KEY] = now


# The sign-in waiting for its code: who, through which backend, since when, and where to.
CODE_STEP_SESSION_KEY = "signin_code_step"
# The secret of an authenticator app being set up, until its first code confirms it.
SETUP_KEY_SESSION_KEY = "two_factor_setup_key"


def needs_code(user) -> bool:
    """Whether signing in as `user` takes a code after the password."""
    return user_has_device(user)


def has_authenticator_app(user) -> bool:
    """Whether `user` has set up an authenticator app (backup codes alone do not count)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def must_set_up_two_factor(user) -> bool:
    """Whether `user` manages an organisation that requires two-step sign-in of its
    managers and has no authenticator app yet: then every page but the set-up waits.
    Costs no query for a person without such an organisation beyond their memberships,
    which every page's navigation loads anyway."""
    required = any(
        membership.is_manager and membership.organization.two_factor_required_for_managers
        for membership in user.current_memberships
    )
    return required and not has_authenticator_app(user)


def code_step_start(request, user, *, next_url: str) -> None:
    """The password was right: remember the person (not signed in yet) for the code step."""
    request.session[CODE_STEP_SESSION_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "since": int(timezone.now().timestamp()),
        "next": next_url,
    }


def code_step_user(request):
    """The person whose code is asked for, with the backend that checked their password;
    None when no sign-in waits or it waited longer than SIGNIN_CODE_TIMEOUT."""
    step = request.session.get(CODE_STEP_SESSION_KEY)
    if not step:
        return None
    if timezone.now().timestamp() - step["since"] > settings.SIGNIN_CODE_TIMEOUT:
        del request.session[CODE_STEP_SESSION_KEY]
        return None
    user = User.objects.filter(pk=step["user"], is_active=True).first()
    if user is not None:
        user.backend = step["backend"]
    return user


def code_step_finish(request) -> str:
    """The code was right: forget the waiting sign-in; where the person was going."""
    return request.session.pop(CODE_STEP_SESSION_KEY)["next"]


def setup_key(request) -> str:
    """The secret for the app being set up, made once and kept in the session (nothing is
    stored in the database until a code confirms it)."""
    if SETUP_KEY_SESSION_KEY not in request.session:
        request.session[SETUP_KEY_SESSION_KEY] = default_key()
    return request.session[SETUP_KEY_SESSION_KEY]


def setup_done(request) -> None:
    request.session.pop(SETUP_KEY_SESSION_KEY, None)


def setup_picture(user, key: str) -> dict:
    """The QR code (an SVG data URI, allowed by the CSP's img-src) and the same secret as
    text for typing in, in groups of four."""
    app = TOTPDevice(user=user, key=key)
    secret = b32encode(app.bin_key).decode()
    return {
        "qr_code": segno.make(app.config_url, error="m").svg_data_uri(scale=5, border=2),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
