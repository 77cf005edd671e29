"""Generated organisations at scale (`manage.py seed_scale`): people and memberships.

Each app may have a `scale.py` with `seed(scale)`; `seed_scale` calls them in INSTALLED_APPS
order, like `seed_demo`'s `demo.py`, so that higher apps build on the ids lower ones made.
The rows are written straight into the tables (`Table`: COPY on PostgreSQL, `bulk_create`
elsewhere), not through the services: there are millions. So the generators keep the
models' rules themselves, and they write no simple-history rows for what they make.
Everything is drawn from random generators seeded with `--seed` and dated from today:
the same seed on the same day gives the same rows.
"""

import bisect
import dataclasses
import datetime
import io
import json
import operator
import random
import re
import time
from collections import defaultdict
from types import SimpleNamespace

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

from werkplek.choices import Role
from werkplek.demo import COACH_EMAIL, DEMO_PASSWORD, LEARNER_EMAIL, MANAGER_EMAIL
from werkplek.models import Membership, Organization, User

# How far back the generated history reaches: enrolments start within it.
HISTORY_WEEKS = 78  # 18 months
# An organisation has an L&D manager per this many learners (and one at least).
MANAGED_LEARNERS = 400
# Rows per COPY (or bulk_create) round trip.
CHUNK = 20_000


@dataclasses.dataclass(frozen=True)
class Size:
    """What one size generates in all: organisations, programs, people and facts."""

    organizations: int
    programs: int
    learners: int
    coaches: int
    moments: int
    measurements: int


SIZES = {
    # The tests' size: small enough for a test, large enough for every kind of row.
    "T": Size(1, 2, 40, 6, 600, 800),
    "S": Size(1, 10, 500, 50, 20_000, 20_000),
    "M": Size(5, 50, 5_000, 500, 200_000, 500_000),
    "L": Size(20, 500, 20_000, 2_000, 1_000_000, 2_000_000),
    "XL": Size(20, 500, 20_000, 2_000, 10_000_000, 20_000_000),
}
# Generated organisations are the ones with this slug prefix (the demo's keeps its own).
SLUG_PREFIX = "schaal-"
DEMO_SLUG = "dc-zuidpoort"

FIRST_NAMES = (
    "Daan Emma Sem Julia Lucas Mila Levi Tess Finn Sophie Noah Zoe Milan Sara Bram Nora Luuk "
    "Anna Jesse Evi Thijs Lotte Ruben Fleur Lars Noor Mohamed Fatma Youssef Priya Tomasz "
    "Ingrid Kees Sanne Jayden Anouk Stijn Iris Max Lieke Mehmet Aylin Joris Maud Wouter Femke"
).split()
LAST_NAMES = (
    "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|Meijer|de Boer|"
    "Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Smits|"
    "de Graaf|van der Meer|Kok|Jacobs|de Haan|Vermeulen|van den Heuvel|El Amrani|Yilmaz|"
    "Nowak|Ramdin|Haddou|Kaya|Schouten|Willems|Hoekstra|Koster|Prins|Huisman|Peeters|Maas"
).split("|")
TEAMS = ["Orderpicking", "Inslag", "Expeditie", "Retouren", "Voorraadbeheer", "Kwaliteit"]
PLACES = (
    "Zuidpoort Tilburg Venlo Waalwijk Nieuwegein Zwolle Roosendaal Almere Born Moerdijk "
    "Veghel Oosterhout Bleiswijk Ede Utrecht Hazeldonk Amersfoort Heerenveen Deventer Oss"
).split()


def _copy_text(value) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return _copy_string(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)
    return str(value)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_PLAIN = (models.IntegerField, models.DecimalField, models.DateField, models.ForeignKey)


def _copy_string(value: str) -> str:
    # Translating costs a step per character; most texts have nothing to escape.
    return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value


def _converter(field: models.Field):
    """The quickest way to turn this column's values into COPY text: `str` for a number,
    date or key that is never empty (a third of the time of `_copy_text`, which the other
    columns take; at millions of rows that counts)."""
    if field.null:
        return _copy_text
    if isinstance(field, models.BooleanField):
        return {True: "t", False: "f"}.__getitem__
    if isinstance(field, models.CharField | models.TextField):
        return _copy_string
    if isinstance(field, _PLAIN):  # DateTimeField is a DateField too
        return str
    return _copy_text


def _default(field: models.Field, now: datetime.datetime):
    """The value a column gets when a generator does not name it: the field's default,
    and the generation's start for `auto_now` timestamps."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


# A table's foreign keys, and its indexes that back no constraint and are no primary key.
FOREIGN_KEYS = """
    SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname
"""
INDEXES = """
    SELECT index.relname, pg_get_indexdef(index.oid)
    FROM pg_index JOIN pg_class index ON index.oid = pg_index.indexrelid
    WHERE pg_index.indrelid = %s::regclass AND NOT pg_index.indisprimary
    AND NOT EXISTS (SELECT FROM pg_constraint WHERE conindid = pg_index.indexrelid
                    AND conrelid = pg_index.indrelid)
    ORDER BY index.relname
"""


class Table:
    """One model's generated rows, written in chunks: COPY from an in-memory text buffer
    on PostgreSQL, `bulk_create` elsewhere. A generator names the columns it fills (by
    attname, `enrolment_id`); the others get their defaults. With `id` among them, it
    takes ids from `new_id()`; the sequence is moved past them when the table closes.

    On PostgreSQL the table's foreign keys and plain indexes are dropped while it is
    filled and made again when it closes, as PostgreSQL's "Populating a Database" advises:
    making a foreign key checks every row in one query, not row by row at commit. Unique,
    exclusion and check constraints stay and hold for every row as it goes in."""

    def __init__(self, scale: "Scale", model: type[models.Model], columns: list[str]):
        self.scale, self.model = scale, model
        self.name = connection.ops.quote_name(model._meta.db_table)
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        named = [by_attname[name] for name in columns]
        rest = [f for f in model._meta.concrete_fields if f not in named and not f.primary_key]
        self.attnames = [f.attname for f in named]
        self.defaults = {f.attname: _default(f, scale.now) for f in rest}
        self.copy_sql = "COPY {} ({}) FROM STDIN".format(
            self.name, ", ".join(connection.ops.quote_name(f.column) for f in named + rest)
        )
        self.suffix = "".join("\t" + _copy_text(v) for v in self.defaults.values())
        self.converters = [_converter(field) for field in named]
        self.rows = []
        self.count = 0
        self.seconds = 0.0
        self.uses_copy = scale.uses_copy
        self._next_id = (model.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
        self.foreign_keys, self.indexes = [], []
        if connection.vendor == "postgresql":
            self._take_apart()
        scale.open_tables.append(self)

    def _take_apart(self) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(FOREIGN_KEYS, [self.model._meta.db_table])
            self.foreign_keys = cursor.fetchall()
            cursor.execute(INDEXES, [self.model._meta.db_table])
            self.indexes = cursor.fetchall()
            for name, _definition in self.foreign_keys:
                cursor.execute(f"ALTER TABLE {self.name} DROP CONSTRAINT {quote(name)}")
            for name, _definition in self.indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")

    def _put_back(self) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for _name, definition in self.indexes:
                cursor.execute(definition)
            for name, definition in self.foreign_keys:
                cursor.execute(f"ALTER TABLE {self.name} ADD CONSTRAINT {quote(name)} {definition}")
            # Fresh statistics, so that what reads these rows next (the roll-up, the
            # pages) gets the query plans of a table this size.
            cursor.execute(f"ANALYZE {self.name}")

    def new_id(self) -> int:
        next_id = self._next_id
        self._next_id += 1
        return next_id

    @property
    def added(self) -> int:
        """Rows added so far, written or not."""
        return self.count + len(self.rows)

    def add(self, *values) -> None:
        self.rows.append(values)
        if len(self.rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        started = time.perf_counter()
        if self.uses_copy:
            suffix, converters, call = self.suffix, self.converters, operator.call
            text = "".join(
                "\t".join(map(call, converters, row)) + suffix + "\n" for row in self.rows
            )
            with connection.cursor() as cursor:
                cursor.copy_expert(self.copy_sql, io.StringIO(text))
        else:
            attnames, defaults, model = self.attnames, self.defaults, self.model
            self.model.objects.bulk_create(
                [model(**defaults, **dict(zip(attnames, row, strict=True))) for row in self.rows],
                batch_size=1000,
            )
        self.count += len(self.rows)
        self.rows = []
        self.seconds += time.perf_counter() - started

    def close(self) -> None:
        """Write what is left (and what the other open tables hold, which the foreign keys
        may point at), then make the keys and indexes again and move the sequence on."""
        for table in self.scale.open_tables:
            table.flush()
        self.scale.open_tables.remove(self)
        started = time.perf_counter()
        if self.foreign_keys or self.indexes:
            self._put_back()
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [self.model]):
                cursor.execute(sql)
        self.rebuilding = time.perf_counter() - started
        self.scale.written.append(self)

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None:
            self.close()


def uses_copy() -> bool:
    """Whether rows go in by COPY (PostgreSQL) rather than `bulk_create`."""
    return connection.vendor == "postgresql"


class Scale:
    """What the apps' `seed(scale)` share: the size, dated randomness, the tables to write,
    and what lower apps generated (set as attributes, like `seed_demo`'s `demo`)."""

    def __init__(self, size: Size, seed: int):
        self.size, self.seed = size, seed
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.zone = timezone.get_current_timezone()
        self.uses_copy = uses_copy()
        self.written: list[Table] = []
        self.open_tables: list[Table] = []
        # Seconds per step, for the report: each part's, and any a part adds.
        self.timings: dict[str, float] = {}
        # Every working day (Monday to Friday) of the generated history, up to today.
        first = self.today - datetime.timedelta(weeks=HISTORY_WEEKS + 1)
        self.working_days = [
            first + datetime.timedelta(days=n)
            for n in range((self.today - first).days + 1)
            if (first + datetime.timedelta(days=n)).weekday() < 5
        ]

    def rng(self, name: str) -> random.Random:
        """A generator of its own per part, so that one part's draws never shift another's."""
        return random.Random(f"{self.seed}-{name}")  # noqa: S311 (made-up data, not secrets)

    def table(self, model: type[models.Model], columns: str) -> Table:
        return Table(self, model, columns.split())

    def at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        """A moment of `day` in the organisations' time zone."""
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.zone)

    def working_days_between(self, first: datetime.date, last: datetime.date) -> list:
        """The working days from `first` to `last`, both included."""
        days = self.working_days
        return days[bisect.bisect_left(days, first) : bisect.bisect_right(days, last)]

    def last_working_day_before(self, day: datetime.date) -> datetime.date:
        return self.working_days[bisect.bisect_left(self.working_days, day) - 1]

    def monday(self, weeks_ago: int) -> datetime.date:
        return self.today - datetime.timedelta(days=self.today.weekday(), weeks=weeks_ago)


def split(total: int, parts: int) -> list[int]:
    """`total` in `parts` nearly equal whole parts, the larger ones first."""
    return [total // parts + (1 if n < total % parts else 0) for n in range(parts)]


def allocate(total: int, weights: list[float]) -> list[int]:
    """`total` in whole parts proportional to `weights` (largest remainders round up)."""
    whole = sum(weights)
    if not whole:
        return [0] * len(weights)
    shares = [total * w / whole for w in weights]
    parts = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda n: parts[n] - shares[n])
    for n in by_remainder[: total - sum(parts)]:
        parts[n] += 1
    return parts


def holds_data() -> bool:
    """Whether the database holds people or organisations: seed_scale only fills an empty
    one (or one it is told to flush)."""
    return User.objects.exists() or Organization.objects.exists()


def _name(number: int) -> str:
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    return f"{first} {LAST_NAMES[(number // len(FIRST_NAMES)) % len(LAST_NAMES)]}"


def _email(name: str, number: int, slug: str) -> str:
    local = name.lower().replace(" ", ".")
    return f"{local}.{number}@{slug}.werkplek.test"


# The demo's three logins, with their names from `seed_demo`, in the first organisation.
DEMO_PEOPLE = {
    Role.MANAGER: (MANAGER_EMAIL, "Sanne de Vries"),
    Role.COACH: (COACH_EMAIL, "Mohamed El Amrani"),
    Role.LEARNER: (LEARNER_EMAIL, "Daan Jansen"),
}


def _capacity(rng, role: Role, is_demo: bool) -> int | None:
    if role != Role.COACH:
        return None
    return 8 if is_demo else rng.randint(4, 8)


def seed(scale: Scale) -> None:
    """Organisations with managers, coaches and learners; the demo logins are the first
    organisation's first manager, coach and learner. Every generated person's password is
    the demo's, hashed once."""
    size, rng = scale.size, scale.rng("people")
    password = make_password(DEMO_PASSWORD)
    scale.organizations = []
    scale.demo = SimpleNamespace()
    number = 0
    with (
        scale.table(Organization, "id name slug created_at") as organizations,
        scale.table(User, "id email name password date_joined") as users,
        scale.table(
            Membership,
            "user_id organization_id is_manager is_coach is_learner team coach_capacity created_at",
        ) as memberships,
    ):
        people = zip(
            split(size.learners, size.organizations),
            split(size.coaches, size.organizations),
            strict=True,
        )
        for index, (learners, coaches) in enumerate(people):
            slug = DEMO_SLUG if index == 0 else f"{SLUG_PREFIX}{index}"
            place = PLACES[index % len(PLACES)]
            name = f"Distributiecentrum {place}" + (f" {index}" if index >= len(PLACES) else "")
            founded = scale.at(scale.today - datetime.timedelta(weeks=HISTORY_WEEKS + 8), 9)
            organization = SimpleNamespace(
                id=organizations.new_id(), slug=slug, teams=TEAMS[: 3 + index % 4]
            )
            organizations.add(organization.id, name, slug, founded)
            roles = {Role.MANAGER: [], Role.COACH: [], Role.LEARNER: []}
            counts = {
                Role.MANAGER: 1 + learners // 400,
                Role.COACH: coaches,
                Role.LEARNER: learners,
            }
            for role, count in counts.items():
                for n in range(count):
                    user_id = users.new_id()
                    if index == 0 and n == 0:
                        email, person = DEMO_PEOPLE[role]
                        setattr(scale.demo, role, user_id)
                    else:
                        number += 1
                        person = _name(number)
                        email = _email(person, number, slug)
                    # Everyone's account dates from the organisation's start, before any
                    # enrolment of theirs.
                    users.add(user_id, email, person, password, founded)
                    team = "L&D" if role == Role.MANAGER else rng.choice(organization.teams)
                    memberships.add(
                        user_id,
                        organization.id,
                        role == Role.MANAGER,
                        role == Role.COACH,
                        role == Role.LEARNER,
                        team,
                        _capacity(rng, role, index == 0 and n == 0),
                        founded,
                    )
                    roles[role].append(SimpleNamespace(id=user_id, team=team))
            organization.managers = roles[Role.MANAGER]
            organization.coaches = roles[Role.COACH]
            organization.learners = roles[Role.LEARNER]
            scale.organizations.append(organization)
    scale.demo.organization = scale.organizations[0].id


def rows_written(scale: Scale) -> dict:
    """{table: [rows, seconds writing them, seconds making its keys and indexes again]}
    over every table the parts wrote."""
    totals = defaultdict(lambda: [0, 0.0, 0.0])
    for table in scale.written:
        totals[table.model._meta.db_table][0] += table.count
        totals[table.model._meta.db_table][1] += table.seconds
        totals[table.model._meta.db_table][2] += table.rebuilding
    return dict(totals)
