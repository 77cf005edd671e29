from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)
from django.views.i18n import set_language
from django_otp import user_has_device

from werkplek import audit, notifications, selectors, services, signin
from werkplek.celery import app as celery_app
from werkplek.choices import Role
from werkplek.forms import (
    LeaveForm,
    LoginForm,
    NotificationsForm,
    OrganizationSettingsForm,
    PasswordResetForm,
    PreferencesForm,
    SignInCodeForm,
    TwoFactorSetupForm,
)
from werkplek.lib.forms import run_service, submitted_once
from werkplek.lib.text import search_text
from werkplek.models import Leave, Organization

PEOPLE_PER_PAGE = 50
NOTIFICATIONS_PER_PAGE = 20
# The role a person last chose in the navigation's switcher, for this session.
HOME_ROLE_SESSION_KEY = "home_role"


@login_required
def home(request):
    """Send a person to the page of their role; `?role=` switches and is remembered."""
    chosen = request.GET.get("role")
    if chosen in request.user.roles:
        request.session[HOME_ROLE_SESSION_KEY] = chosen
    role = request.user.home_role(request.session.get(HOME_ROLE_SESSION_KEY))
    if role is None:
        return render(request, "werkplek/home.html")
    return redirect(settings.ROLE_HOME_PAGES[role])


@login_required
def organization_detail(request, slug):
    organization = get_object_or_404(Organization.objects.managed_by(request.user), slug=slug)
    role = request.GET.get("role")
    if role not in Role.values:
        role = None
    search = search_text(request.GET.get("q", ""))
    members = selectors.organization_members(organization, role=role, search=search)
    page = Paginator(members, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "organization": organization,
        "page_obj": page,
        "members": page.object_list,
        "search": search,
        "role": role,
        "role_choices": Role.choices,
    }
    return render(request, "werkplek/organization_detail.html", context)


@login_required
@require_safe
def organization_history(request, slug):
    """Who changed the organisation's settings and who gave or took which role, for its
    L&D managers."""
    organization = get_object_or_404(Organization.objects.managed_by(request.user), slug=slug)
    return audit.render_trail(
        request,
        selectors.organization_trail(organization),
        subject=organization,
        back_url=reverse("organization-detail", args=[organization.slug]),
        intro=_(
            "Who changed the settings, and who gave or took whose role, and when. "
            "The newest change comes first."
        ),
    )


@login_required
def organization_settings(request, slug):
    """The organisation's settings, changed by its L&D managers."""
    organization = get_object_or_404(Organization.objects.managed_by(request.user), slug=slug)
    form = OrganizationSettingsForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.organization_update_settings,
            actor=request.user,
            organization=organization,
            **form.cleaned_data,
        )
        if saved:
            messages.success(request, _("Settings saved."))
            return redirect("organization-settings", slug=organization.slug)
    return render(
        request, "werkplek/organization_settings.html", {"organization": organization, "form": form}
    )


@login_required
@require_GET
def notification_list(request):
    """The person's notifications, newest first, paged: what was mailed, also in the app."""
    page = Paginator(notifications.in_app(request.user), NOTIFICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    items = [(message, notifications.describe(message)) for message in page.object_list]
    return render(request, "werkplek/notifications.html", {"page_obj": page, "items": items})


@login_required
@require_POST
def notification_open(request, pk):
    """Open what a notification is about, and count it as read: a POST, since it changes
    the notification (a link prefetcher or checker must not mark it read)."""
    message = get_object_or_404(notifications.in_app(request.user), pk=pk)
    services.notification_mark_read(actor=request.user, message=message)
    return redirect(notifications.describe(message).url)


@login_required
@require_POST
def notifications_read(request):
    """Mark all of the person's notifications read."""
    services.notifications_mark_all_read(actor=request.user)
    messages.success(request, _("All notifications are marked read."))
    return redirect("notifications")


@login_required
def preferences(request):
    """A person's own settings: name, language, time zone, quiet hours, which messages
    they receive, and their leave."""
    data = request.POST or None
    form = PreferencesForm(data, instance=request.user)
    notifications_form = NotificationsForm(data, user=request.user, prefix="notify")
    if request.method == "POST" and form.is_valid() and notifications_form.is_valid():
        user = services.preferences_save(
            actor=request.user,
            fields={name: form.cleaned_data[name] for name in form.fields},
            enabled=notifications_form.enabled(),
        )
        translation.activate(user.language)
        messages.success(request, _("Your preferences have been saved."))
        return redirect("preferences")
    return _preferences_page(request, form=form, notifications_form=notifications_form)


@login_required
@submitted_once
def leave_create(request):
    """A person marks themself away: no reminders reach them in that period."""
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        leave = run_service(
            form, services.leave_create, actor=request.user, user=request.user, **form.cleaned_data
        )
        if leave:
            messages.success(request, _("Your leave has been saved."))
            return redirect("preferences")
    return _preferences_page(request, leave_form=form)


def _preferences_page(request, *, form=None, notifications_form=None, leave_form=None):
    """The preferences page, with the one form that was sent (and its errors)."""
    if form is None:
        form = PreferencesForm(instance=request.user)
    if notifications_form is None:
        notifications_form = NotificationsForm(user=request.user, prefix="notify")
    context = {
        "form": form,
        "notifications_form": notifications_form,
        "leave_form": LeaveForm() if leave_form is None else leave_form,
        "leaves": selectors.upcoming_leave(request.user, request.user),
    }
    return render(request, "werkplek/preferences.html", context)


@login_required
def member_leave(request, slug, pk):
    """An L&D manager marks a learner of their organisation away (ill, on leave): no
    reminders reach the learner in that period."""
    organization = get_object_or_404(Organization.objects.managed_by(request.user), slug=slug)
    person = get_object_or_404(selectors.learner_of(organization, pk)).user
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        leave = run_service(
            form, services.leave_create, actor=request.user, user=person, **form.cleaned_data
        )
        if leave:
            messages.success(
                request, _("The leave of %(name)s has been saved.") % {"name": person.name}
            )
            return redirect("member-leave", slug=slug, pk=pk)
    context = {
        "organization": organization,
        "person": person,
        "leave_form": form,
        "leaves": selectors.upcoming_leave(request.user, person),
    }
    return render(request, "werkplek/member_leave.html", context)


@login_required
@require_POST
def leave_delete(request, pk):
    """Remove leave: one's own, or (an L&D manager) a learner's; back to the page it was on."""
    leave = get_object_or_404(Leave.objects.editable_by(request.user), pk=pk)
    services.leave_delete(actor=request.user, leave=leave)
    messages.success(request, _("The leave has been removed."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("preferences")
    return redirect(back)


@never_cache  # the token is this page's password: no shared cache keeps it
def notification_settings_link(request, token):
    """The notification settings of the person a mail's link names, without a password:
    this page only; it signs nobody in."""
    user = notifications.user_of_preferences_token(token)
    if user is None:
        return link_expired(request)
    translation.activate(user.language)
    data = request.POST if request.method == "POST" else None  # all switches off is a POST
    form = NotificationsForm(data, user=user, prefix="notify")
    if request.method == "POST" and form.is_valid():
        services.notification_settings_set(actor=user, user=user, enabled=form.enabled())
        messages.success(request, _("Your notification settings have been saved."))
        return redirect("notification-settings-link", token=token)
    return render(request, "werkplek/notification_settings.html", {"form": form, "person": user})


@csrf_exempt  # a mail client posts here (RFC 8058); the signed token is the only key
@never_cache
@require_http_methods(["GET", "POST"])
def notification_unsubscribe(request, token):
    """A mail's one-click unsubscribe address: a POST turns that kind of mail off for its
    person. A GET (someone opened the address) only offers the button: link checkers in mail
    filters open every address, and must not turn anything off. It names no one."""
    found = notifications.of_unsubscribe_token(token)
    if found is None:
        return link_expired(request)
    user, kind = found
    translation.activate(user.language)
    label = notifications.optional_kinds(user)[kind]
    if request.method == "POST":
        # RFC 8058: a one-click unsubscribe posts exactly this field (the page's button too).
        if request.POST.get("List-Unsubscribe") != "One-Click":
            return HttpResponseBadRequest(_("This request does not ask to unsubscribe."))
        services.notification_settings_set(actor=user, user=user, enabled={kind: False})
    context = {"label": label, "done": request.method == "POST"}
    return render(request, "werkplek/notification_unsubscribe.html", context)


def link_expired(request):
    """The answer to a mail's link that is altered, expired or used up: a 404 that says so."""
    return render(request, "werkplek/link_expired.html", status=404)


def signin_locked(request, original_response=None, credentials=None):
    """Axes' answer to a locked-out attempt (AXES_LOCKOUT_CALLABLE): the login page with
    what was typed (never the password) and the reason, as 429 Too Many Requests."""
    form = LoginForm(request, initial={"username": request.POST.get("username", "")})
    context = {
        "form": form,
        "next": request.POST.get("next", ""),
        "lockout_message": signin.lockout_message(),
    }
    return render(request, "registration/login.html", context, status=429)


class LoginView(auth_views.LoginView):
    """Django's login; for a person with two-step sign-in on, a right password leads to the
    code step instead of signing them in."""

    form_class = LoginForm

    def form_valid(self, form):
        user = form.get_user()
        if not signin.needs_code(user):
            return super().form_valid(form)
        signin.code_step_start(self.request, user, next_url=self.get_success_url())
        return redirect("login-code")


@never_cache
def login_code(request):
    """The second step of signing in: a code from the app, or a backup code."""
    user = signin.code_step_user(request)
    if user is None:
        messages.info(request, _("Log in again: the time for entering the code ran out."))
        return redirect("login")
    form = SignInCodeForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        next_url = signin.code_step_finish(request)
        login(request, user)  # django-otp remembers the verified device in the session
        return redirect(next_url)
    return render(request, "registration/login_code.html", {"form": form})


def _get_two_factor_manager(request):
    """Two-step sign-in is for managers (404 for everyone else, as for any page they
    may not see)."""
    if not request.user.has_role(Role.MANAGER):
        raise Http404
    return request.user


@never_cache  # the secret and the backup codes are on this page
@login_required
def two_factor(request):
    """A manager's two-step sign-in: turn it on (scan a QR code, confirm a code; backup
    codes are shown once) or see that it is on and turn it off."""
    user = _get_two_factor_manager(request)
    if user_has_device(user):
        form = SignInCodeForm(user=user)
        return render(request, "werkplek/two_factor_on.html", {"form": form})
    key = signin.setup_key(request)
    form = TwoFactorSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = run_service(
            form,
            services.two_factor_enable,
            actor=user,
            key=key,
            token=form.cleaned_data["otp_token"],
        )
        if codes:
            signin.setup_done(request)
            return render(request, "werkplek/two_factor_codes.html", {"codes": codes})
    context = {
        "form": form,
        "required": signin.must_set_up_two_factor(user),
        **signin.setup_picture(user, key),
    }
    return render(request, "werkplek/two_factor_setup.html", context)


@login_required
@require_POST
def two_factor_disable(request):
    """Turning two-step sign-in off takes a code, as signing in does."""
    user = _get_two_factor_manager(request)
    form = SignInCodeForm(request.POST, user=user)
    if not user_has_device(user):
        return redirect("two-factor")
    if form.is_valid():
        services.two_factor_disable(actor=user, verified_device=user.otp_device)
        messages.success(request, _("Two-step sign-in is off."))
        return redirect("two-factor")
    return render(request, "werkplek/two_factor_on.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, refusing an address that asked too often this hour; past an
    account's own limit the answer stays the usual one (PasswordResetForm.save)."""

    form_class = PasswordResetForm

    def form_valid(self, form):
        if signin.reset_request_allowed(self.request):
            return super().form_valid(form)
        form.add_error(
            None,
            _("Too many requests from your address. Try again in an hour."),
        )
        return self.render_to_response(self.get_context_data(form=form), status=429)


@require_POST
def language_switch(request):
    """Django's set_language, also remembered as the signed-in person's preference."""
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_update_preferences(user=request.user, language=language)
    return set_language(request)


@never_cache
def healthz(request):
    """Database and broker state for docker-compose and load balancers.

    Only a dead database makes the app unhealthy: without the broker pages still serve.
    """
    state = {"database": "ok", "broker": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        state["database"] = "error"
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        state["broker"] = "error"
    return JsonResponse(state, status=200 if state["database"] == "ok" else 503)
