"""Personal data (AVG/GDPR): what werkplek holds about a person, listed on the privacy page,
handed to them as a ZIP, and erased by a manager or when its retention period ends.

Every app contributes its part once, in its `AppConfig.ready`, so that werkplek imports no
domain app::

    personal_data.register("coaching", kinds=[Kind(...), ...], erase=erase, expired=None)

- A `Kind` is one kind of record about a person: its model, the lookups that lead from a row
  to the person, the columns a person gets, and what the privacy page says about it (why it
  is kept, who reads it). The export and the privacy page are made from these alone.
- `erase(erasing)` anonymises the app's records about `erasing.person`: everything, or with
  `erasing.ended_before` only what belongs to their enrolments in `erasing.organizations`
  that ended before that date (retention). Dated facts, levels, statuses and counts stay;
  texts and names go.
- `expired(ended_before, organizations)` (optional) answers the ids of people whose records
  of this app in those organisations are due for that retention anonymisation and not
  anonymised yet. Each organisation may keep its own period (Organization.retention_months).

Audit rows (django-simple-history) are covered for every historical model at once: a row is
about the person when they made it, when one of its person fields names them, or when the
kind registered for its model leads to them. The erasure is the parts' alone: an app's
`erase` says what goes, and `scrub` and `rewrite` change a row and every version of it in
its history together, so there is one place per app that knows its personal texts.
"""

import csv
import datetime
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import devices_for_user
from simple_history.models import HistoricalChanges
from zipstream import ZIP_DEFLATED, ZipStream

from werkplek import audit
from werkplek.choices import Role
from werkplek.lib.spreadsheet import neutralise
from werkplek.models import (
    Erasure,
    FormSubmission,
    Leave,
    Membership,
    NotificationOptOut,
    Organization,
    OutboxMessage,
    User,
)

# Rows read from the database at a time while a ZIP is written: memory stays bounded.
CHUNK = 500
# People anonymised per transaction by the retention job.
RETENTION_BATCH = 100


class Reader(models.TextChoices):
    """Who reads a kind of record, in the words of the privacy page."""

    PERSON = "person", gettext_lazy("the person themself")
    COACH = "coach", gettext_lazy("their coach")
    FORMER_COACH = "former_coach", gettext_lazy("a former coach, what dates from their time")
    PEER = "peer", gettext_lazy("the fellow learner who was asked")
    MANAGER = "manager", gettext_lazy("the L&D managers of their organisation")


@dataclass(frozen=True)
class Kind:
    """One kind of record about a person (see the module's docstring)."""

    name: str  # the file's name in the ZIP: "feedback_moments"
    model: type[models.Model]
    about: tuple[str, ...]  # lookups from a row to the person: ("enrolment__learner",)
    columns: tuple[str, ...]  # what the person gets: values() paths
    label: str
    purpose: str
    readers: frozenset[Reader]

    def rows_about(self, person) -> models.QuerySet:
        return self.model._default_manager.filter(_any_of(self.about, person))


@dataclass(frozen=True)
class Part:
    app_label: str
    kinds: tuple[Kind, ...]
    erase: Callable[["Erasing"], None]
    expired: Callable[[datetime.date, list[int]], Iterable[int]] | None = None


_parts: dict[str, Part] = {}


def register(
    app_label: str,
    *,
    kinds: Iterable[Kind],
    erase: Callable[["Erasing"], None],
    expired: Callable[[datetime.date, list[int]], Iterable[int]] | None = None,
) -> None:
    """Let werkplek export, list and erase what `app_label` holds about people."""
    part = Part(app_label, tuple(kinds), erase, expired)
    if app_label in _parts and _parts[app_label] != part:
        raise ValueError(f"personal data of {app_label!r} is registered twice")
    _parts[app_label] = part


def parts() -> list[Part]:
    """The registered parts, lower apps first (the order of INSTALLED_APPS)."""
    order = [config.label for config in apps.get_app_configs()]
    return sorted(_parts.values(), key=lambda part: order.index(part.app_label))


def _any_of(lookups: Iterable[str], person) -> Q:
    condition = Q(pk__in=[])
    for lookup in lookups:
        condition |= Q(**{lookup: person.pk})
    return condition


# --- Audit rows: every historical model ----------------------------------------------


def historical_models() -> list[type[models.Model]]:
    """Every django-simple-history model of a tracked model's versions, in a stable order;
    not the tables of the many-to-many choices a version keeps (a program's methods): those
    hang off a version, name no person and have no author of their own."""
    found = [
        model
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges) and not hasattr(model, "m2m_history_id")
    ]
    return sorted(found, key=lambda model: model._meta.label)


def history_about(historical) -> tuple[str, ...]:
    """The lookups from a history row to a person: who made it, its person fields, and the
    paths of the kinds registered for its model."""
    user_model = get_user_model()
    lookups = ["history_user"]
    tracked = historical.instance_type
    if tracked is user_model:
        lookups.append("id")
    for model_field in historical._meta.concrete_fields:
        if model_field.name != "history_user" and model_field.related_model is user_model:
            lookups.append(model_field.name)
    for part in _parts.values():
        lookups.extend(path for kind in part.kinds if kind.model is tracked for path in kind.about)
    return tuple(dict.fromkeys(lookups))


def history_rows_about(historical, person) -> Q:
    """The history rows about `person`: those `history_about` leads to them, and every
    version of a row that is about them now (an invitation's first version, written before
    they accepted, names them by their address only)."""
    condition = _any_of(history_about(historical), person)
    for part in _parts.values():
        for kind in part.kinds:
            if kind.model is historical.instance_type:
                condition |= Q(id__in=kind.rows_about(person).values("pk"))
    return condition


def _history_of(model):
    attribute = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, attribute).model if attribute else None


# --- Export --------------------------------------------------------------------------


def _csv_file(columns: list[str], rows: Iterable[dict]) -> Iterator[bytes]:
    """A CSV in UTF-8 with a byte order mark (Excel reads it right), cells that would start a
    formula neutralised, written a row at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    yield ("\ufeff" + buffer.getvalue()).encode()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(_cell(row[column])) for column in columns])
        yield buffer.getvalue().encode()


def _cell(value):
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _json_file(rows: Iterable[dict]) -> Iterator[bytes]:
    yield b"["
    for index, row in enumerate(rows):
        text = json.dumps(row, ensure_ascii=False, cls=DjangoJSONEncoder, indent=1)
        yield ((",\n" if index else "\n") + text).encode()
    yield b"\n]\n"


def _add_table(archive: ZipStream, path: str, queryset, columns: list[str]) -> None:
    """One kind of record as `path`.csv and `path`.json; each file reads the rows in one
    query (in chunks), when the archive gets to it."""
    archive.add(_csv_file(columns, queryset.values(*columns).iterator(CHUNK)), f"{path}.csv")
    archive.add(_json_file(queryset.values(*columns).iterator(CHUNK)), f"{path}.json")


def export(person: User) -> ZipStream:
    """Everything werkplek holds about `person`, as a ZIP written while it is sent: per app a
    CSV and a JSON file per kind of record, and their audit rows under history/."""
    archive = ZipStream(compress_type=ZIP_DEFLATED)
    for part in parts():
        for kind in part.kinds:
            queryset = kind.rows_about(person).order_by("pk")
            _add_table(archive, f"{part.app_label}/{kind.name}", queryset, list(kind.columns))
    for historical in historical_models():
        columns = [model_field.attname for model_field in historical._meta.concrete_fields]
        rows = historical.objects.filter(history_rows_about(historical, person))
        name = historical.instance_type._meta.label_lower.replace(".", "_")
        _add_table(archive, f"history/{name}", rows.order_by("history_date", "pk"), columns)
    return archive


# --- Erasure -------------------------------------------------------------------------

REMOVED = gettext_lazy("removed")


@dataclass(frozen=True)
class Erasing:
    """One erasure in progress: the person as they were, and what replaces them."""

    person: User
    name: str
    email: str
    # None: everything about the person; a date: only what belongs to their enrolments in
    # `organizations` that ended before it (the retention period's anonymisation: each
    # organisation's own period gives its own date).
    ended_before: datetime.date | None
    removed: str  # what replaces a text: "verwijderd", in the site's language
    organizations: frozenset[int] = frozenset()

    @classmethod
    def of(
        cls,
        person: User,
        *,
        ended_before: datetime.date | None = None,
        organizations: Iterable[int] = (),
    ) -> "Erasing":
        with translation.override(settings.LANGUAGE_CODE):
            return cls(
                person,
                person.name,
                person.email,
                ended_before,
                str(REMOVED),
                frozenset(organizations),
            )

    @property
    def anonymous_name(self) -> str:
        return anonymous_name(self.person)

    @property
    def anonymous_email(self) -> str:
        return anonymous_email(self.person)

    def redact(self, value):
        """`value` (text, or JSON) with the person's name and e-mail address replaced."""
        if isinstance(value, str):
            if self.name:
                value = value.replace(self.name, self.anonymous_name)
            if self.email:
                value = _replace_casefold(value, self.email, self.anonymous_email)
            return value
        if isinstance(value, list):
            return [self.redact(item) for item in value]
        if isinstance(value, dict):
            return {key: self.redact(item) for key, item in value.items()}
        return value


def json_holding(field: str, text: str) -> Q:
    """Rows whose JSON `field` holds `text` in one of its strings, case-insensitively, asked
    of the database, which compares the JSON as text: PostgreSQL's jsonb reads with its
    letters as they are and a quote as \\", SQLite keeps what json.dumps wrote ("Zo\\u00eb")."""
    forms = {json.dumps(text, ensure_ascii=escaped)[1:-1] for escaped in (False, True)}
    condition = Q(pk__in=[])
    for form in sorted(forms):
        condition |= Q(**{f"{field}__icontains": form})
    return condition


def _replace_casefold(text: str, old: str, new: str) -> str:
    start = text.lower().find(old.lower())
    while start >= 0:
        text = text[:start] + new + text[start + len(old) :]
        start = text.lower().find(old.lower(), start + len(new))
    return text


def anonymous_name(person) -> str:
    """The name an erased person keeps: it says only that there was someone."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Removed person #%(id)s") % {"id": person.pk}


def anonymous_email(person) -> str:
    """A unique address that no mail can reach (.invalid is reserved, RFC 2606)."""
    return f"verwijderd-{person.pk}@werkplek.invalid"


def scrub(model, condition: Q, **values) -> int:
    """Overwrite `values` on the rows of `model` that match `condition`, and on their audit
    rows (when the model has a history): an erased text does not live on in its history.
    A text that was empty stays empty, in the row and in each version: the history must not
    show words that never were. `condition` names a row by `id`, never `pk` (an audit row's
    pk is its history_id)."""
    kept_empty = {
        name: Case(When(**{name: ""}, then=Value("")), default=Value(value))
        if isinstance(value, str)
        else value
        for name, value in values.items()
    }
    count = model._default_manager.filter(condition).update(**kept_empty)
    historical = _history_of(model)
    if historical is not None:
        names = {model_field.name for model_field in historical._meta.concrete_fields}
        kept = {name: value for name, value in kept_empty.items() if name in names}
        if kept:
            with audit.unlocked():  # the erasure: the one write on audit rows
                historical.objects.filter(condition).update(**kept)
    return count


def rewrite(model, condition: Q, change: Callable[[models.Model], dict]) -> int:
    """`scrub` for values that depend on the row: `change(row)` gives its new values. Rows
    are read and written in chunks of ids, on the model and its audit rows alike."""
    managers = [model._default_manager]
    historical = _history_of(model)
    if historical is not None:
        managers.append(historical.objects)
    count = 0
    for manager in managers:
        ids = list(manager.filter(condition).values_list("pk", flat=True))
        for start in range(0, len(ids), CHUNK):
            rows = list(manager.filter(pk__in=ids[start : start + CHUNK]))
            changed = set()
            for row in rows:
                values = change(row)
                changed.update(values)
                for name, value in values.items():
                    setattr(row, name, value)
            if changed:
                with audit.unlocked():  # the erasure: the one write on audit rows
                    count += manager.bulk_update(rows, sorted(changed))
    return count


def remove(model, condition: Q) -> int:
    """Delete the rows of `model` that match `condition` and every audit row of them: for
    what the erasure takes away entirely, so that its history does not keep it."""
    count, _by_model = model._default_manager.filter(condition).delete()
    historical = _history_of(model)
    if historical is not None:
        with audit.unlocked():  # the erasure: the one write on audit rows
            historical.objects.filter(condition).delete()
    return count


def may_erase(actor: User, person: User) -> bool:
    """The one erasure rule of access: an L&D manager of an organisation the person belongs
    (or belonged) to."""
    return Membership.objects.filter(
        user=person, organization__in=Organization.objects.managed_by(actor)
    ).exists()


def _check_erasable(person: User, actor: User | None) -> None:
    if Erasure.objects.filter(person=person).exists():
        raise ValidationError(_("This person's data has been erased already."))
    if actor is not None:
        if not may_erase(actor, person):
            raise PermissionDenied
        # Four eyes: erasing scrubs the person's name from the audit rows of what they did,
        # so a manager cannot wipe their own traces; another manager decides.
        if actor.pk == person.pk:
            raise ValidationError(_("You cannot erase yourself; ask another L&D manager."))
        elsewhere = (
            Membership.objects.current()
            .filter(user=person)
            .exclude(organization__in=Organization.objects.managed_by(actor))
            .select_related("organization")
            .first()
        )
        if elsewhere is not None:
            raise ValidationError(
                _(
                    "%(name)s is also a member of %(organization)s; a manager there ends that "
                    "membership first."
                )
                % {"name": person.name, "organization": elsewhere.organization.name}
            )
    for membership in Membership.objects.with_role(Role.MANAGER).filter(user=person):
        others = Membership.objects.with_role(Role.MANAGER).filter(
            organization=membership.organization_id
        )
        # An erased manager keeps their membership (its dates are facts) but counts no more.
        if not others.exclude(user=person).filter(user__erasure__isnull=True).exists():
            raise ValidationError(
                _(
                    "%(name)s is the last L&D manager of %(organization)s. Make someone else "
                    "a manager first."
                )
                % {"name": person.name, "organization": membership.organization.name}
            )


@transaction.atomic
def person_erase(
    *, actor: User | None, person: User, reason: str = Erasure.Reason.REQUEST
) -> Erasure:
    """Anonymise a person everywhere: name, e-mail and password, texts about them, their
    pending mail and its contents, their audit rows; dated facts and aggregates stay. By an
    L&D manager of their organisation, or by the retention job (`actor` None). The erasure
    itself is recorded with who and when, and nothing of what was erased."""
    person = User.objects.select_for_update().get(pk=person.pk)
    _check_erasable(person, actor)
    erasing = Erasing.of(person)
    for part in parts():
        part.erase(erasing)
    scrub(
        User,
        Q(id=person.pk),
        name=erasing.anonymous_name,
        email=erasing.anonymous_email,
        password=_unusable_password(),
        is_active=False,
        is_staff=False,
        is_superuser=False,
        quiet_hours_start=None,
        quiet_hours_end=None,
        last_login=None,
    )
    return Erasure.objects.create(person=person, erased_by=actor, reason=reason)


def _unusable_password() -> str:
    user = User()
    user.set_unusable_password()
    return user.password


def erase_own_part(erasing: Erasing) -> None:
    """werkplek's part: the person's messages, notification choices and leave, and the admin
    log's names of them. Person-level records only: retention leaves them to the erasure."""
    if erasing.ended_before is not None:
        return
    person = erasing.person
    Status = OutboxMessage.Status
    OutboxMessage.objects.filter(
        recipient=person,
        status__in=[Status.QUEUED, Status.SENDING, Status.FAILED, Status.UNCERTAIN],
    ).update(status=Status.CANCELLED)
    scrub(OutboxMessage, Q(recipient=person), context={}, address="", last_error="")
    rewrite(
        OutboxMessage,
        Q(recipient__isnull=True, address__iexact=erasing.email),
        lambda message: {
            "address": erasing.anonymous_email,
            "context": {},
            "last_error": "",
            "status": Status.CANCELLED
            if message.status in (Status.QUEUED, Status.SENDING, Status.FAILED)
            else message.status,
        },
    )
    NotificationOptOut.objects.filter(user=person).delete()
    # When they were away is theirs alone (it may have been sick leave): gone, history too.
    remove(Leave, Q(user=person))
    # Sign-in traces: failed attempts name the account, two-step devices belong to the person.
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=erasing.email).delete()
    for device in devices_for_user(person, confirmed=None):
        device.delete()
    # One-time form tokens live a week; the success messages a replay repeats may name them.
    FormSubmission.objects.filter(user=person).delete()
    if erasing.name:
        # A manager's success message may name them ("Lotte is ingeschreven."): found by
        # the database, however many tokens there are.
        FormSubmission.objects.filter(
            json_holding("messages", erasing.name) | json_holding("messages", erasing.email)
        ).delete()
        rewrite(
            LogEntry,
            Q(object_repr__contains=erasing.name) | Q(change_message__contains=erasing.name),
            lambda entry: {
                "object_repr": erasing.redact(entry.object_repr),
                "change_message": erasing.redact(entry.change_message),
            },
        )


# --- Retention -----------------------------------------------------------------------


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` earlier (the month's last day where that month is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    first_of_next = datetime.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    last_day = (first_of_next - datetime.timedelta(days=1)).day
    return datetime.date(year, month + 1, min(day.day, last_day))


def retention_cutoffs(today: datetime.date | None = None) -> list[tuple[datetime.date, list[int]]]:
    """Per retention period in use, the day before which records have outlived it and the
    organisations that keep that period (their own, or the site's): one query, and as many
    periods as organisations chose different ones (at most the 115 the bounds allow, and
    the site's)."""
    today = today or timezone.localdate()
    periods = defaultdict(list)
    for organization in Organization.objects.only("pk", "retention_months"):
        periods[organization.retention_period].append(organization.pk)
    return [(months_before(today, months), ids) for months, ids in sorted(periods.items())]


def retention_apply(*, today: datetime.date | None = None) -> dict[str, int]:
    """Anonymise what outlived its organisation's retention period: the records of
    enrolments that ended before the organisation's cutoff, and then everyone whose every
    membership ended before its organisation's cutoff. Safe to run any number of times:
    what is anonymised is not found again."""
    cutoffs = retention_cutoffs(today)
    people = set()
    for cutoff, organizations in cutoffs:
        due = set()
        for part in parts():
            if part.expired is not None:
                due.update(part.expired(cutoff, organizations))
        people.update(due)
        ids = sorted(due)
        for start in range(0, len(ids), RETENTION_BATCH):
            with transaction.atomic():
                for person in User.objects.filter(pk__in=ids[start : start + RETENTION_BATCH]):
                    erasing = Erasing.of(person, ended_before=cutoff, organizations=organizations)
                    for part in parts():
                        part.erase(erasing)
    # A membership still counts while it runs, or ended within its organisation's period.
    kept = Q(ended_on__isnull=True)
    for cutoff, organizations in cutoffs:
        kept |= Q(organization__in=organizations, ended_on__gte=cutoff)
    gone = User.objects.filter(
        memberships__isnull=False, erasure__isnull=True, is_staff=False
    ).exclude(pk__in=Membership.objects.filter(kept).values("user"))
    leavers = list(gone.distinct().values_list("pk", flat=True))
    for person in User.objects.filter(pk__in=leavers).iterator(CHUNK):
        person_erase(actor=None, person=person, reason=Erasure.Reason.RETENTION)
    return {"people_with_expired_records": len(people), "people_erased": len(leavers)}
