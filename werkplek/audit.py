"""The audit trail: who changed what, when, with every field before and after.

django-simple-history stores it: each tracked model has `history = HistoricalRecords()`,
and every save or delete writes a full copy of the row, in the same transaction, with
`history_user` and `history_date`. The services name the acting user through `acted_by`
(or `default_user=` on simple-history's bulk helpers); there is no request middleware, so
a write without an actor shows as made by werkplek itself.

History rows are never edited. On PostgreSQL a trigger refuses UPDATE and DELETE on every
history table (see `lock_history_tables`); the one exception is the AVG erasure, which
removes a person's personal texts from history too: each app's erasure hook changes a row and
its history together (werkplek.personal_data `scrub` and `rewrite`, inside `unlocked`), and
removes with its history what goes entirely (`remove`: leave); the demo dates its made-up
past the same way.

`trail` turns the history rows of several models into one dated list of changes, a page at
a time, in a number of queries that does not grow with the history.
"""

import contextlib
import dataclasses
import datetime
import decimal
from collections import defaultdict
from collections.abc import Iterable

from django.core.paginator import Page, Paginator
from django.db import connection, models, transaction
from django.db.models import OuterRef, Q, Subquery, Value
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _

from werkplek.choices import Weekday

PER_PAGE = 20
# Long texts are cut in the list; the object's own page shows them in full.
TEXT_CHARS = 120
# Why a change was made other than by hand; stored in history_change_reason.
IMPORT = "import"
INVITATION = "invitation"
REASONS = {IMPORT: _("through an import"), INVITATION: _("invitation accepted")}
ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("removed")}
# The PostgreSQL setting that lets the erasure (and only it) change history rows, for one
# transaction.
UNLOCK_SETTING = "werkplek.erasing"


def acted_by(instance, actor, *, reason: str = ""):
    """Name `actor` as the one who saves or deletes `instance` next (and why, if not by
    hand): the history row that write makes records them. Returns the instance."""
    instance._history_user = actor
    if reason:
        instance._change_reason = reason
    return instance


# --- Reading: the trail of changes ---------------------------------------------------


def weekdays_label(days) -> str:
    """[1, 3] → "Monday, Wednesday": how lists of weekdays read in a change."""
    return ", ".join(str(Weekday(day).label) for day in days or [] if day in Weekday.values)


@dataclasses.dataclass(frozen=True)
class Source:
    """The history rows of one model that belong in a trail, and how its fields read.

    `rows` is a queryset of a historical model (e.g. `Program.history.filter(id=pk)`);
    `hidden` names fields not worth showing (pointers to the parent the trail is about);
    `formats` maps a field to a function that makes its value readable; `keys` maps a
    foreign key to the queryset its objects are named from, where their names need a join
    (`Enrolment.objects.select_related("learner")`); other keys are named by `str()`.
    `subject` names the field that says which object each line is about, where the trail
    holds many of one kind (the person of a membership): shown on every line, not as a change.
    """

    rows: models.QuerySet
    hidden: frozenset = frozenset()
    formats: dict = dataclasses.field(default_factory=dict)
    keys: dict = dataclasses.field(default_factory=dict)
    subject: str = ""

    def key_group(self, number: int, field: models.Field):
        """Which lookup names this key: its own queryset's, or its model's shared one."""
        return (number, field.name) if field.name in self.keys else field.related_model

    @property
    def model(self):
        return self.rows.model.instance_type

    def fields(self) -> list[models.Field]:
        """The fields a change lists: the model's own that its history keeps, without its
        key and timestamps."""
        kept = {field.name for field in self.rows.model._meta.concrete_fields}
        return [
            field
            for field in self.model._meta.concrete_fields
            if field.name in kept
            and not (
                field.primary_key
                or field.name in self.hidden
                or getattr(field, "auto_now", False)
                or getattr(field, "auto_now_add", False)
                # "recorded at" and the like: the history's own date says it
                or field.default is timezone.now
                # the edit-conflict counter (lib.versions) moves on every save: no news
                or field.name == "version"
            )
        ]


@dataclasses.dataclass
class Change:
    """One field of one change: its label, the value before and after (readable text)."""

    label: str
    old: str
    new: str


@dataclasses.dataclass
class Entry:
    """One line of a trail: who did what to which kind of object, when."""

    when: datetime.datetime
    who: str
    kind: str
    action: str
    reason: str
    changes: list[Change]
    about: str = ""


def trail(sources: Iterable[Source], *, page: str | int | None, per_page=PER_PAGE) -> Page:
    """One page of the changes in `sources`, newest first, as Entry objects. The queries do
    not grow with the history: a count, the page's keys, and per source its rows, their
    previous versions and the objects their keys point at."""
    sources = list(sources)
    keys = None
    for number, source in enumerate(sources):
        part = (
            source.rows.order_by()
            .annotate(source=Value(number))
            .values_list("history_date", "history_id", "source")
        )
        keys = part if keys is None else keys.union(part, all=True)
    paginator = Paginator(keys.order_by("-history_date", "-history_id"), per_page)
    current = paginator.get_page(page)
    wanted = defaultdict(list)
    for _date, history_id, number in current.object_list:
        wanted[number].append(history_id)
    rows = {}
    previous = {}
    # Every source is asked, also one with no rows on this page, so that every page of
    # every trail costs the same queries.
    for number, source in enumerate(sources):
        rows[number], previous[number] = _with_previous(source, wanted[number])
    labels = _key_labels(sources, [*rows.items(), *previous.items()])
    entries = []
    for _date, history_id, number in current.object_list:
        row = rows[number][history_id]
        before = previous[number].get(row.previous_id)
        entries.append(_entry(sources, number, row, before, labels))
    current.object_list = entries
    return current


def _with_previous(source: Source, ids: list[int]) -> tuple[dict, dict]:
    """The history rows `ids` of a source with, for each, the version before it (two queries)."""
    history = source.rows.model
    earlier = history.objects.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    rows = _in(history.objects, "history_id", ids).select_related("history_user")
    rows = rows.annotate(
        previous_id=Subquery(
            earlier.order_by("-history_date", "-history_id").values("history_id")[:1]
        )
    )
    rows = {row.history_id: row for row in rows}
    previous_ids = [row.previous_id for row in rows.values() if row.previous_id]
    before = {row.history_id: row for row in _in(history.objects, "history_id", previous_ids)}
    return rows, before


def _in(queryset, field: str, values):
    """`field` in `values`, asked of the database even when `values` is empty (Django would
    skip the query), so that a page's query count does not depend on what it shows."""
    values = list(values)
    return queryset.filter(**{f"{field}__in": values} if values else {f"{field}__isnull": True})


def _key_labels(sources: list[Source], loaded) -> dict:
    """{(key group, pk): text} for every key the loaded rows point at: one query per model
    (or per key with its own queryset)."""
    wanted = defaultdict(set)
    lookups = {}
    for number, rows in loaded:
        source = sources[number]
        for field in source.fields():
            if field.is_relation and field.name not in source.formats:
                group = source.key_group(number, field)
                lookups[group] = source.keys.get(field.name, field.related_model._base_manager)
                wanted[group].update(getattr(row, field.attname) for row in rows.values())
    labels = {}
    for group, pks in wanted.items():
        pks.discard(None)
        for obj in _in(lookups[group].all(), "pk", pks):
            labels[group, obj.pk] = str(obj)
    return labels


def _entry(sources: list[Source], number: int, row, before, labels: dict) -> Entry:
    source = sources[number]
    changes = []
    about = ""
    if source.subject:
        field = source.model._meta.get_field(source.subject)
        about = _readable(source, number, field, getattr(row, field.attname), labels)
    if row.history_type != "-":
        for field in source.fields():
            if field.name == source.subject:
                continue
            new = _readable(source, number, field, getattr(row, field.attname), labels)
            old = (
                _readable(source, number, field, getattr(before, field.attname), labels)
                if before
                else ""
            )
            if old != new:
                changes.append(Change(str(capfirst(field.verbose_name)), old, new))
    user = row.history_user
    return Entry(
        when=row.history_date,
        who=user.name if user else str(_("werkplek (automatic)")),
        kind=str(capfirst(source.model._meta.verbose_name)),
        action=str(ACTIONS.get(row.history_type, row.history_type)),
        reason=str(REASONS.get(row.history_change_reason or "", "")),
        changes=changes,
        about=about,
    )


def _readable(source: Source, number: int, field: models.Field, value, labels: dict) -> str:
    """A stored value as a person reads it: choices by label, dates in the local format,
    keys by name, long texts cut."""
    if field.name in source.formats:
        return str(source.formats[field.name](value))
    if value is None or value == "" or value == []:
        return ""
    if field.is_relation:
        return labels.get((source.key_group(number, field), value), f"#{value}")
    if field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date | datetime.time | decimal.Decimal):
        return formats.localize(value)
    if isinstance(value, list):
        value = " · ".join(
            " ".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item)
            for item in value
        )
    return Truncator(str(value)).chars(TEXT_CHARS)


def render_trail(request, sources, *, subject, back_url: str, intro: str = ""):
    """The history page of one object (or a person's own records): a page of `trail`."""
    context = {
        "page": trail(sources, page=request.GET.get("page")),
        "subject": subject,
        "back_url": back_url,
        "intro": intro or _("Who changed what, and when. The newest change comes first."),
    }
    return render(request, "werkplek/history.html", context)


# --- The one exception to "never edited": the AVG erasure -----------------------------


@contextlib.contextmanager
def unlocked():
    """Let the writes inside change or remove history rows (PostgreSQL's trigger checks the
    setting).
    Only for the AVG erasure (werkplek.personal_data) and for dating the demo's made-up past."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [UNLOCK_SETTING])
        yield
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, '', true)", [UNLOCK_SETTING])


# --- PostgreSQL: history tables refuse UPDATE and DELETE ------------------------------

REFUSE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION werkplek_refuse_history_edit() RETURNS trigger AS $$
BEGIN
    IF current_setting('{UNLOCK_SETTING}', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit rows in % are never edited (%)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def lock_history_tables(app_label: str):
    """A migration operation: on PostgreSQL, every history table of `app_label` (as the
    migration state has them) refuses UPDATE and DELETE, unless the erasure unlocked the
    transaction (`unlocked`). Add it to the migration that adds a tracked model."""
    from django.db import migrations

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(REFUSE_FUNCTION, params=None)
        for model in apps.get_app_config(app_label).get_models():
            if not model.__name__.startswith("Historical"):
                continue
            table = schema_editor.quote_name(model._meta.db_table)
            schema_editor.execute(f"DROP TRIGGER IF EXISTS audit_rows_never_edited ON {table}")
            schema_editor.execute(
                f"CREATE TRIGGER audit_rows_never_edited BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION werkplek_refuse_history_edit()"
            )

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)
