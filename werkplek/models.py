"""The ground floor: people, organisations and the roles people hold in them."""

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
)
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from werkplek.choices import Role, Weekday, default_working_weekdays
from werkplek.lib.text import NameValidator, bounded_text, length_check


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(zone)s is not a time zone.") % {"zone": value})


def validate_weekdays(value) -> None:
    """A list of distinct ISO weekday numbers (1 = Monday … 7 = Sunday)."""
    if not isinstance(value, list) or not all(day in Weekday.values for day in value):
        raise ValidationError(_("Choose days of the week."))
    if len(set(value)) != len(value):
        raise ValidationError(_("Choose each day of the week once."))


def hours_per_week_field(verbose_name, *, help_text) -> models.DecimalField:
    """Learning hours in a week, 0 to 40 with one decimal ("7.5"); empty: not stated.
    The overload guard compares a program's with the organisation's maximum."""
    return models.DecimalField(
        verbose_name,
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(40)],
        help_text=help_text,
    )


NO_WORKING_DAYS = _("Choose at least one working day: reminders go out on working days only.")


def in_quiet_hours(moment: datetime.time, start: datetime.time, end: datetime.time) -> bool:
    """Whether a local time of day falls in quiet hours from `start` until `end`; hours that
    cross midnight (20:00–07:00) are the usual case, equal ends mean none."""
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def _check_quiet_hours(start, end) -> None:
    if (start is None) != (end is None):
        raise ValidationError(_("Give both ends of the quiet hours, or neither."))


class UserManager(BaseUserManager):
    """Creates users who log in with their e-mail address."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, email):
        # Addresses are stored lowercase, so a login typed with capitals still matches.
        return self.get(email=self.normalize_email(email).lower())

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address; may belong to several organisations."""

    email = models.EmailField(_("e-mail address"), unique=True)
    # PostgreSQL cannot store a NUL character: refused as a validation error, not a crash.
    name = models.CharField(_("name"), max_length=150, validators=[NameValidator()])
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        validators=[validate_time_zone],
        default=settings.TIME_ZONE,
    )
    # Empty: the quiet hours of the person's organisation.
    quiet_hours_start = models.TimeField(
        _("quiet hours from"),
        null=True,
        blank=True,
        help_text=_("No e-mail from werkplek between these times. Empty: your organisation's."),
    )
    quiet_hours_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Can log in to the admin site."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["name", "email"]

    def __str__(self):
        return self.name or self.email

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        _check_quiet_hours(self.quiet_hours_start, self.quiet_hours_end)

    @cached_property
    def current_memberships(self) -> list:
        """This person's memberships that have not ended, with their organisations (one query)."""
        return list(self.memberships.current().select_related("organization"))

    @cached_property
    def roles(self) -> set[Role]:
        """The roles this person holds now in any of their organisations."""
        roles = set()
        for membership in self.current_memberships:
            roles.update(membership.roles)
        return roles

    @property
    def managed_organizations(self) -> list:
        """The organisations this person manages now, by name (no query beyond `roles`)."""
        managed = [m.organization for m in self.current_memberships if m.is_manager]
        return sorted(managed, key=lambda organization: organization.name)

    def home_role(self, chosen: str | None = None) -> Role | None:
        """The role whose page this person lands on: the one they chose, else the first held.

        The order of `Role` (manager, coach, learner) puts the widest view first.
        """
        if chosen in self.roles:
            return Role(chosen)
        return next((role for role in Role if role in self.roles), None)

    def has_role(self, role: Role) -> bool:
        """The one role check for pages: does this person hold `role` anywhere now?"""
        return self.is_authenticated and role in self.roles


# An organisation's own AVG retention period: at least half a year (a group's rhythm of
# feedback and review needs that), at most ten years.
RETENTION_MONTHS_LEAST = 6
RETENTION_MONTHS_MOST = 120


class OrganizationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Organisations the user is a member of now, in any role."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            pk__in=Membership.objects.current().filter(user=user).values("organization")
        )

    def managed_by(self, user):
        """Organisations in which the user is an L&D manager now."""
        if not user.is_authenticated:
            return self.none()
        managed = Membership.objects.with_role(Role.MANAGER).filter(user=user)
        return self.filter(pk__in=managed.values("organization"))


class Organization(models.Model):
    """The tenant: every program, feedback moment and KPI belongs to exactly one."""

    name = models.CharField(_("name"), max_length=200, validators=[NameValidator()])
    slug = models.SlugField(_("slug"), unique=True)
    time_zone = models.CharField(
        _("default time zone"),
        max_length=64,
        validators=[validate_time_zone],
        default="Europe/Amsterdam",
    )
    language = models.CharField(
        _("default language"), max_length=10, choices=settings.LANGUAGES, default="nl"
    )
    # The overload guard: the programs a learner runs here together should not ask more.
    max_learning_hours_per_week = hours_per_week_field(
        _("maximum learning hours per learner per week"),
        help_text=_(
            "When a learner's running programs together plan more hours a week, the learner "
            "shows in the attention list. Empty: no maximum."
        ),
    )
    # Database defaults too: rows written by code that predates these columns (an older
    # migration state, another process during a deploy) still get them.
    quiet_hours_start = models.TimeField(
        _("quiet hours from"),
        default=datetime.time(20, 0),
        db_default=datetime.time(20, 0),
        help_text=_("No reminders from this time until the end of the quiet hours."),
    )
    quiet_hours_end = models.TimeField(
        _("quiet hours until"), default=datetime.time(7, 0), db_default=datetime.time(7, 0)
    )
    working_weekdays = models.JSONField(
        _("working days"),
        default=default_working_weekdays,
        db_default=default_working_weekdays(),
        validators=[validate_weekdays],
        help_text=_("No reminders on other days."),
    )
    # The AVG retention period of this organisation's records (werkplek.personal_data);
    # empty: the site's, settings.AVG_RETENTION_MONTHS.
    retention_months = models.PositiveSmallIntegerField(
        _("retention period in months"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(RETENTION_MONTHS_LEAST),
            MaxValueValidator(RETENTION_MONTHS_MOST),
        ],
    )
    # Read on every page a manager opens (werkplek.middleware.TwoFactorRequiredMiddleware).
    two_factor_required_for_managers = models.BooleanField(
        _("two-step sign-in required for L&D managers"),
        default=False,
        db_default=False,
        help_text=_(
            "L&D managers without two-step sign-in are asked to turn it on before they can "
            "open any other page. Turn it on for yourself first."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    retention_months__gte=RETENTION_MONTHS_LEAST,
                    retention_months__lte=RETENTION_MONTHS_MOST,
                )
                | Q(retention_months__isnull=True),
                name="organization_retention_months_bounded",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        # Without any, reminders would stop without anyone having chosen that.
        if not self.working_weekdays:
            raise ValidationError({"working_weekdays": NO_WORKING_DAYS})

    @property
    def retention_period(self) -> int:
        """How many months after an enrolment ended its records are kept: the
        organisation's own period, or the site's."""
        return self.retention_months or settings.AVG_RETENTION_MONTHS

    def holds_role(self, user, role: Role) -> bool:
        """Whether `user` holds `role` here now: the one role check for services."""
        return self.memberships.with_role(role).filter(user=user).exists()


class MembershipQuerySet(models.QuerySet):
    def current(self):
        """Memberships that have not ended."""
        return self.filter(ended_on__isnull=True)

    def with_role(self, role: Role):
        """Current memberships holding `role`."""
        return self.current().filter(**{Membership.ROLE_FIELDS[role]: True})

    def led_by(self, user):
        """Current memberships of the teams the user is a line manager of now: same
        organisation, same team name (the user's own membership included)."""
        if not user.is_authenticated:
            return self.none()
        leads = Membership.objects.with_role(Role.LINE_MANAGER).filter(
            user=user, organization=OuterRef("organization"), team=OuterRef("team")
        )
        return self.current().exclude(team="").filter(Exists(leads))

    def visible_to(self, user):
        """The user's own memberships and all of the organisations they manage."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(user=user) | Q(organization__in=Organization.objects.managed_by(user)))


class Membership(models.Model):
    """A person in an organisation, with the roles they hold there (one or more)."""

    ROLE_FIELDS = {
        Role.MANAGER: "is_manager",
        Role.LINE_MANAGER: "is_line_manager",
        Role.COACH: "is_coach",
        Role.LEARNER: "is_learner",
    }

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    is_manager = models.BooleanField(_("L&D manager"), default=False)
    # A team is its name within one organisation (`team` below): a line manager leads the
    # members of their organisation whose membership names the same team.
    is_line_manager = models.BooleanField(_("line manager"), default=False)
    is_coach = models.BooleanField(_("coach"), default=False)
    is_learner = models.BooleanField(_("learner"), default=False)
    team = models.CharField(_("team"), max_length=100, blank=True, validators=[NameValidator()])
    coach_capacity = models.PositiveSmallIntegerField(
        _("coach capacity"),
        null=True,
        blank=True,
        help_text=_("The most learners this coach guides at once. Empty: no limit."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    ended_on = models.DateField(
        _("left on"),
        null=True,
        blank=True,
        help_text=_("Memberships end rather than disappear, so the history of roles stays."),
    )

    objects = MembershipQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization", "user__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(is_manager=True)
                | Q(is_line_manager=True)
                | Q(is_coach=True)
                | Q(is_learner=True),
                name="membership_has_a_role",
                violation_error_message=_("Choose at least one role."),
            ),
            models.CheckConstraint(
                condition=Q(is_line_manager=False) | ~Q(team=""),
                name="line_manager_has_a_team",
                violation_error_message=_("A line manager leads a team: give the team's name."),
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.organization}"

    def room_left(self) -> int | None:
        """Learners this coach can still take (None: no limit); needs `active_learners`."""
        if self.coach_capacity is None:
            return None
        return max(self.coach_capacity - self.active_learners, 0)

    @property
    def is_over_capacity(self) -> bool:
        """More active learners than the capacity allows; needs `active_learners`."""
        return self.coach_capacity is not None and self.active_learners > self.coach_capacity

    def has_room_for(self, new: int) -> bool:
        """The capacity rule: this coach can take `new` more learners; needs `active_learners`."""
        room = self.room_left()
        return room is None or new <= room

    @property
    def is_coaching(self) -> bool:
        """Whether this person is a coach here now (as `with_role(Role.COACH)`)."""
        return self.ended_on is None and self.is_coach

    @property
    def roles(self) -> list[Role]:
        """The roles held here, in the order the product lists them."""
        return [role for role, field in self.ROLE_FIELDS.items() if getattr(self, field)]


class OutboxMessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The door: messages to the user themself, whatever roles they hold (a manager sees
        no one else's). Staff read the whole outbox in the admin."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def due(self, now=None):
        """Queued messages whose (next) attempt is due: what the sweep hands to workers."""
        return self.filter(
            status=OutboxMessage.Status.QUEUED, next_attempt_at__lte=now or timezone.now()
        )


LAST_ERROR_LENGTH = 5000


class OutboxMessage(models.Model):
    """One e-mail to one person for one occasion, written in the transaction that caused it;
    the unique key (recipient, kind, due slot) makes it exist, and so go out, at most once.

    It holds ids and small values only: the mail is rendered, and any token made, when it is
    delivered."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")
        # The worker stopped after the SMTP server had the whole mail: it may have gone out,
        # so only a person sends it again (`manage.py outbox --resend`).
        UNCERTAIN = "uncertain", _("may have gone out")

    recipient = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
        verbose_name=_("recipient"),
    )
    # Only for someone without an account yet (an invitation); otherwise the recipient's own
    # address at the time of delivery.
    address = models.EmailField(_("e-mail address"), blank=True)
    kind = models.CharField(_("kind"), max_length=64)
    due_slot = models.CharField(_("due slot"), max_length=64)
    context = models.JSONField(_("context"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # When the row's id last went into the broker's queue, until a worker takes it out (its
    # claim clears it): the sweep leaves such a row alone for a lease.
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    # Committed just before the final "." of the SMTP DATA (werkplek.lib.mail): from then on
    # the server may have the mail, and a worker that dies leaves the row uncertain.
    data_sent_at = models.DateTimeField(_("handed to the mail server at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The end of a traceback: where it failed and why (werkplek.outbox keeps that much).
    last_error = bounded_text(_("last error"), max_length=LAST_ERROR_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The in-app notification list reads these rows too (werkplek.notifications).
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "due_slot"], name="outbox_once_per_due_slot"
            ),
            length_check("last_error", LAST_ERROR_LENGTH, name="outbox_last_error_length"),
            models.UniqueConstraint(
                fields=["address", "kind", "due_slot"],
                condition=Q(recipient__isnull=True),
                name="outbox_once_per_address_due_slot",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False, address="")
                | Q(recipient__isnull=True) & ~Q(address=""),
                name="outbox_recipient_or_address",
            ),
        ]
        indexes = [
            # The sweep: due queued rows, and rows stuck in 'sending'.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_sweep"),
            models.Index(fields=["status", "claimed_at"], name="outbox_stuck"),
            # The bell's count and the notification list: one person's newest rows.
            models.Index(fields=["recipient", "-created_at"], name="outbox_inbox"),
        ]

    def __str__(self):
        return f"{self.kind} · {self.recipient or self.address} · {self.due_slot}"

    @property
    def to(self) -> str:
        """The address the message goes to now."""
        return self.recipient.email if self.recipient_id else self.address


class LeaveQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The user's own leave, and that of the people of organisations they manage."""
        if not user.is_authenticated:
            return self.none()
        managed = Membership.objects.filter(organization__in=Organization.objects.managed_by(user))
        return self.filter(Q(user=user) | Q(user__in=managed.values("user")))

    def editable_by(self, user):
        """Leave the user may change: that of the people they may set leave for."""
        return self.filter(user__in=self.people_editable_by(user))

    @staticmethod
    def people_editable_by(user):
        """The one rule of who sets whose leave: a person their own, an L&D manager that of
        the learners of their organisations."""
        if not user.is_authenticated:
            return User.objects.none()
        learners = Membership.objects.with_role(Role.LEARNER).filter(
            organization__in=Organization.objects.managed_by(user)
        )
        return User.objects.filter(Q(pk=user.pk) | Q(pk__in=learners.values("user")))

    def covering(self, day: datetime.date):
        """Leave that includes `day`."""
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class Leave(models.Model):
    """A period a person is away (leave, absence): no reminders reach them, first and last
    day included, in their own time zone."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="leaves", verbose_name=_("person")
    )
    starts_on = models.DateField(_("away from"))
    ends_on = models.DateField(_("away until"))
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("set by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = LeaveQuerySet.as_manager()
    # Who put a person on leave, or took it away: a manager may set a learner's leave, and
    # it silences their reminders, so the works council asks.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        ordering = ["user", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="leave_ends_after_start",
                violation_error_message=_("The last day cannot be before the first."),
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.starts_on} – {self.ends_on}"


class NotificationOptOutQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A person's own choices."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class NotificationOptOut(models.Model):
    """A kind of message a person turned off (werkplek.notifications lists the kinds)."""

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="notification_opt_outs",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = NotificationOptOutQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification turned off")
        verbose_name_plural = _("notifications turned off")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_opt_out_once"),
        ]

    def __str__(self):
        return f"{self.user} · {self.kind}"


class Erasure(models.Model):
    """The record that a person's data was erased: who asked, when and why, and nothing of
    what was erased (werkplek.personal_data). A person is erased once."""

    class Reason(models.TextChoices):
        REQUEST = "request", _("at the person's request")
        RETENTION = "retention", _("the retention period ended")

    person = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="erasure", verbose_name=_("person")
    )
    erased_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("erased by"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    erased_at = models.DateTimeField(_("erased at"), default=timezone.now)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering = ["-erased_at"]

    def __str__(self):
        return f"#{self.person_id} · {self.erased_at:%Y-%m-%d}"


class FormSubmissionQuerySet(models.QuerySet):
    def of(self, user):
        """A person's own submissions: a token only ever answers the person who posted it."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class FormSubmission(models.Model):
    """A create form's one-time token, used: written in the same transaction as what the
    form created, so a replay or a second post at the same moment gets this answer instead
    of writing twice (werkplek.lib.forms.submitted_once)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    token = models.UUIDField(_("token"))
    result_url = models.CharField(_("answered with"), max_length=2000)
    # The messages the first post showed ([level, text] pairs), shown again on a replay.
    messages = models.JSONField(_("messages"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    objects = FormSubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("form submitted")
        verbose_name_plural = _("forms submitted")
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="form_submission_once"),
        ]

    def __str__(self):
        return f"{self.user} · {self.token}"
