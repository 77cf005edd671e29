"""KPI snapshots: the trend and impact a roll-up stores equal a direct computation from the
current measurements; incremental roll-ups equal a full rebuild, a second run changes
nothing; and recording, importing or correcting a value enqueues the roll-up on commit."""

import datetime
from collections import defaultdict
from decimal import Decimal

import kombu.exceptions
import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpis import imports, rollups, services, statistics, tasks
from kpis.choices import Cadence, SubjectLevel
from kpis.models import KPISnapshot, Measurement
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    KPIFactory,
    MeasurementFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 9, 7)  # a Monday: the pilot group's start
ON = datetime.date(2026, 11, 30)
LEARNERS = 8  # three in the pilot, three in the later group, two not in the program


class World:
    """A program with a pilot group and a later one, a learner-level KPI and an
    organisation-level one (both weekly, with a baseline), and a manager who records."""

    def __init__(self):
        organization = OrganizationFactory()
        self.manager = MembershipFactory(
            organization=organization, is_manager=True, is_learner=False
        ).user
        self.program = ProgramFactory(organization=organization, owner=self.manager)
        self.cohorts = [
            CohortFactory(program=self.program, starts_on=START, is_pilot=True),
            CohortFactory(program=self.program, starts_on=START + datetime.timedelta(weeks=2)),
        ]
        self.learners = [MembershipFactory(organization=organization).user for _ in range(8)]
        self.enrolments = [
            EnrolmentFactory(cohort=self.cohorts[index // 3], learner=learner)
            for index, learner in enumerate(self.learners[:6])
        ]
        common = {
            "organization": organization,
            "program": self.program,
            "created_by": self.manager,
            "cadence": Cadence.WEEK,
            "baseline_value": Decimal("50"),
            "baseline_on": START - datetime.timedelta(weeks=8),
        }
        self.kpis = [
            KPIFactory(subject_level=SubjectLevel.LEARNER, **common),
            KPIFactory(subject_level=SubjectLevel.ORGANIZATION, **common),
        ]

    def record(self, kpi_index, learner_index, weeks, value):
        """Record a value through the service, as a correction where one is current."""
        kpi = self.kpis[kpi_index]
        period = START + datetime.timedelta(weeks=weeks)
        subject = {}
        if kpi.subject_level == SubjectLevel.LEARNER:
            subject["learner"] = self.learners[learner_index]
        current = Measurement.objects.current().filter(kpi=kpi, period_start=period, **subject)
        services.measurement_record(
            actor=self.manager,
            kpi=kpi,
            period=period,
            value=Decimal(value),
            correction=current.exists(),
            **subject,
        )
        return kpi.pk


histories = st.lists(
    st.tuples(
        st.integers(0, 1),  # which KPI
        st.integers(0, LEARNERS - 1),  # whose value (learner-level KPI)
        st.integers(-10, 11),  # weeks after the pilot's start
        st.integers(0, 100),  # the value
    ),
    max_size=30,
)
PROPERTY_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def small_groups(settings):
    """Numbers for groups of two already, so the properties compare intervals, not only
    "too little"; a group of one has no spread and says so."""
    settings.KPI_MIN_GROUP_SIZE = 2


def apply(world, history) -> set:
    return {world.record(*entry) for entry in history}


def direct_trend(kpi) -> list:
    """Mean and n per period of the current values, from the rows themselves."""
    values = defaultdict(list)
    for row in Measurement.objects.filter(kpi=kpi, is_current=True):
        values[row.period_start].append(row.value)
    periods = []
    for period in sorted(values)[-rollups.TREND_PERIODS :]:
        n = len(values[period])
        enough = kpi.subject_level != SubjectLevel.LEARNER or n >= statistics.min_group_size()
        mean = sum(values[period]) / n
        periods.append(
            {
                "period": period.isoformat(),
                "value": str(round(mean, kpi.decimals)) if enough else None,
                "n": n,
                "enough": enough,
            }
        )
    return periods


def newest_since(kpi, learner, since=None):
    rows = Measurement.objects.filter(kpi=kpi, learner=learner, is_current=True)
    if since:
        rows = rows.filter(period_start__gte=since)
    row = rows.order_by("-period_start").first()
    return float(row.value) if row else None


def direct_group_impact(world, kpi) -> dict:
    """Each group's newest values since the start against the baseline, the earlier groups
    and the two people in no program."""
    groups = []
    for cohort in world.cohorts:
        found = [newest_since(kpi, e.learner, e.started_on) for e in cohort.enrolments.all()]
        groups.append(sorted(v for v in found if v is not None))
    outside = sorted(
        v for v in (newest_since(kpi, learner) for learner in world.learners[6:]) if v is not None
    )
    rows = []
    for index, cohort in enumerate(world.cohorts):
        comparisons = []
        if index:
            # The pilot is pooled as "earlier groups" only when it is large enough to show.
            shown = len(groups[0]) >= statistics.min_group_size()
            effect = statistics.difference_between(groups[index], groups[0] if shown else [])
            comparisons.append({"against": "earlier", "effect": rollups.effect_json(effect)})
        if outside:
            effect = statistics.difference_between(groups[index], outside)
            comparisons.append({"against": "outside", "effect": rollups.effect_json(effect)})
        change = statistics.change_from_baseline(groups[index], 50.0)
        rows.append(
            {
                "group": cohort.name,
                "pilot": cohort.is_pilot,
                "change": rollups.effect_json(change),
                "comparisons": comparisons,
            }
        )
    return {"kind": "groups", "rows": rows}


def direct_period_impact(kpi) -> dict:
    """The organisation's values from the pilot's first week against those before it."""
    rows = Measurement.objects.filter(kpi=kpi, is_current=True).order_by("period_start")
    before = [float(r.value) for r in rows if r.period_start < START]
    after = [float(r.value) for r in rows if r.period_start >= START]
    comparisons = []
    if before:
        effect = statistics.difference_between(after, before)
        comparisons.append({"against": "before", "effect": rollups.effect_json(effect)})
    change = rollups.effect_json(statistics.change_from_baseline(after, 50.0))
    row = {"group": None, "pilot": False, "change": change, "comparisons": comparisons}
    return {"kind": "periods", "rows": [row]}


def snapshot_rows() -> set:
    return {
        (row.kpi_id, row.day, repr(row.periods), repr(row.impact))
        for row in KPISnapshot.objects.all()
    }


@PROPERTY_SETTINGS
@given(history=histories)
def test_kpi_snapshots_equal_the_direct_computation(small_groups, history):
    with transaction.atomic():
        world = World()
        apply(world, history)
        rollups.rollup_all(on=ON)

        learner_kpi, organisation_kpi = world.kpis
        for kpi in world.kpis:
            assert KPISnapshot.objects.get(kpi=kpi, day=ON).periods == direct_trend(kpi)
        program = str(world.program.pk)
        learner_row = KPISnapshot.objects.get(kpi=learner_kpi, day=ON)
        assert learner_row.impact == {program: direct_group_impact(world, learner_kpi)}
        organisation_row = KPISnapshot.objects.get(kpi=organisation_kpi, day=ON)
        assert organisation_row.impact == {program: direct_period_impact(organisation_kpi)}
        transaction.set_rollback(True)


@PROPERTY_SETTINGS
@given(before=histories, after=histories)
def test_incremental_kpi_roll_ups_equal_a_full_rebuild_and_a_second_run_changes_nothing(
    small_groups, before, after
):
    with transaction.atomic():
        world = World()
        apply(world, before)
        rollups.rollup_all(on=ON)
        touched = apply(world, after)
        if touched:
            rollups.rollup_kpis(kpi_ids=touched, on=ON)
        incremental = snapshot_rows()
        pks = set(KPISnapshot.objects.values_list("pk", flat=True))

        rollups.rollup_kpis(kpi_ids=touched, on=ON)
        rollups.rollup_all(on=ON)
        assert snapshot_rows() == incremental
        assert set(KPISnapshot.objects.values_list("pk", flat=True)) == pks

        KPISnapshot.objects.all().delete()
        rollups.rollup_all(on=ON)
        assert snapshot_rows() == incremental
        transaction.set_rollback(True)


def test_a_kpi_without_a_baseline_has_a_trend_and_no_impact():
    world = World()
    kpi = world.kpis[1]
    kpi.baseline_value = kpi.baseline_on = None
    kpi.save(update_fields=["baseline_value", "baseline_on"])
    world.record(1, 0, 1, "61")
    rollups.rollup_kpis(kpi_ids=[kpi.pk], on=ON)
    row = KPISnapshot.objects.get(kpi=kpi)
    assert row.impact == {}
    assert row.periods == [{"period": "2026-09-14", "value": "61.0", "n": 1, "enough": True}]


def test_rolling_up_one_kpi_takes_as_many_queries_as_twenty(django_assert_num_queries):
    world = World()
    for weeks in range(-6, 10):
        for learner in range(LEARNERS):
            world.record(0, learner, weeks, 40 + weeks + learner)
        world.record(1, 0, weeks, 60 + weeks)
    extra = KPIFactory.create_batch(
        18, organization=world.program.organization, created_by=world.manager
    )
    # The locked KPIs; their values' sums per period, each learner's newest value and the
    # other KPIs' values; programs, groups, enrolments and the organisations' enrolled
    # learners; one upsert; and the savepoint around it.
    with django_assert_num_queries(11):
        rollups.rollup_kpis(kpi_ids=[world.kpis[0].pk], on=ON)
    with django_assert_num_queries(11):
        rollups.rollup_kpis(kpi_ids=[k.pk for k in [*world.kpis, *extra]], on=ON)
    assert KPISnapshot.objects.count() == 20


def group_rows(kpi) -> dict:
    """{group name: {"change" or what it is compared with: stored effect}} of the newest
    snapshot's impact on the KPI's program."""
    impact = KPISnapshot.objects.get(kpi=kpi).impact[str(kpi.program_id)]
    return {
        row["group"]: {
            "change": row["change"],
            **{c["against"]: c["effect"] for c in row["comparisons"]},
        }
        for row in impact["rows"]
    }


def learners_measured(kpi, cohort, values, weeks=1):
    for value in values:
        learner = EnrolmentFactory(cohort=cohort).learner
        period = cohort.starts_on + datetime.timedelta(weeks=weeks)
        MeasurementFactory(kpi=kpi, learner=learner, period_start=period, value=value)


def test_a_group_too_small_to_show_is_left_out_of_the_earlier_groups_it_is_pooled_in():
    """Otherwise the difference of the next two groups' comparisons would give away the
    small group's values: (46·5 + 90·1) against 46·5."""
    world = World()
    kpi = world.kpis[0]
    first, second = world.cohorts
    third = CohortFactory(program=world.program, starts_on=START + datetime.timedelta(weeks=4))
    learners_measured(kpi, first, [44, 45, 46, 47, 48])
    learners_measured(kpi, second, [90])
    learners_measured(kpi, third, [50, 51, 52, 53, 54])

    rollups.rollup_kpis(kpi_ids=[kpi.pk], on=ON)

    rows = group_rows(kpi)
    assert rows[second.name]["change"] == {"enough": False, "minimum": 5}
    assert rows[third.name]["earlier"]["n_comparison"] == 5
    assert rows[third.name]["earlier"]["estimate"] == pytest.approx(52 - 46)


def test_people_not_in_the_program_leaves_out_the_learners_of_other_programs():
    world = World()
    kpi = world.kpis[0]
    learners_measured(kpi, world.cohorts[0], [44, 45, 46, 47, 48])
    other_program = ProgramFactory(organization=world.program.organization, owner=world.manager)
    learners_measured(kpi, CohortFactory(program=other_program, starts_on=START), [99, 98])
    for value in [40, 41, 42, 43, 44]:
        learner = MembershipFactory(organization=world.program.organization).user
        MeasurementFactory(kpi=kpi, learner=learner, period_start=START, value=value)

    rollups.rollup_kpis(kpi_ids=[kpi.pk], on=ON)

    outside = group_rows(kpi)[world.cohorts[0].name]["outside"]
    assert outside["n_comparison"] == 5
    assert outside["estimate"] == pytest.approx(46 - 42)


def test_a_learner_in_two_programs_counts_where_their_newest_value_came_after_the_start(
    settings,
):
    """An organisation-wide learner-level KPI: one learner's newest value lies between the
    starts of their two programs, so it counts for the first program's group only; and a
    learner whose only value came before their start counts nowhere. A program without
    groups has no rows."""
    settings.KPI_MIN_GROUP_SIZE = 1
    world = World()
    kpi = KPIFactory(
        organization=world.program.organization,
        program=None,
        created_by=world.manager,
        subject_level=SubjectLevel.LEARNER,
        cadence=Cadence.WEEK,
        baseline_value=Decimal("50"),
        baseline_on=START - datetime.timedelta(weeks=8),
    )
    later_program = ProgramFactory(organization=world.program.organization, owner=world.manager)
    later_group = CohortFactory(
        program=later_program, starts_on=START + datetime.timedelta(weeks=6)
    )
    both = world.enrolments[0].learner
    EnrolmentFactory(cohort=later_group, learner=both, started_on=later_group.starts_on)
    MeasurementFactory(kpi=kpi, learner=both, period_start=START, value=Decimal("40"))
    MeasurementFactory(
        kpi=kpi, learner=both, period_start=START + datetime.timedelta(weeks=3), value=60
    )
    empty_program = ProgramFactory(organization=world.program.organization, owner=world.manager)
    before_start = world.enrolments[1].learner
    MeasurementFactory(
        kpi=kpi,
        learner=before_start,
        period_start=START - datetime.timedelta(weeks=1),
        value=Decimal("70"),
    )

    rollups.rollup_kpis(kpi_ids=[kpi.pk], on=ON)

    impact = KPISnapshot.objects.get(kpi=kpi).impact
    pilot = impact[str(world.program.pk)]["rows"][0]
    assert pilot["change"]["n"] == 1
    assert pilot["change"]["estimate"] == 60 - 50
    assert pilot["change"]["low"] is None  # one value: no spread, no interval
    # Its value came three weeks before the later group started: no value there.
    later = impact[str(later_program.pk)]["rows"][0]
    assert later["change"] == {"enough": False, "minimum": 1}
    assert impact[str(empty_program.pk)] == {"kind": "groups", "rows": []}


# --- Triggers -----------------------------------------------------------------------------


@pytest.fixture
def enqueued(monkeypatch, handoff_inline):
    """What would have gone to the broker: (KPI ids, day) per KPI roll-up."""
    sent = []

    def apply_async(args, **options):
        sent.append(tuple(args))

    monkeypatch.setattr(tasks.rollup_kpis_task, "apply_async", apply_async)
    return sent


def test_a_measurement_entered_in_the_form_enqueues_its_kpis_roll_up_on_commit(
    client, enqueued, django_capture_on_commit_callbacks
):
    world = World()
    kpi = world.kpis[1]
    client.force_login(world.manager)
    with django_capture_on_commit_callbacks() as callbacks:
        url = reverse("kpis:measurement-create", args=[kpi.pk])
        response = client.post(url, {"period": "2026-10-05", "value": "61,5"})
        assert response.status_code == 302
        assert enqueued == []  # not before the commit
    for callback in callbacks:
        callback()
    assert [ids for ids, _day in enqueued] == [[kpi.pk]]


def test_a_correction_and_a_changed_baseline_enqueue_the_roll_up(
    enqueued, django_capture_on_commit_callbacks
):
    world = World()
    kpi = world.kpis[1]
    with django_capture_on_commit_callbacks(execute=True):
        world.record(1, 0, 1, "61")
        world.record(1, 0, 1, "62")  # a correction
        services.kpi_update(actor=world.manager, kpi=kpi, baseline_value=Decimal("55"))
    assert [ids for ids, _day in enqueued] == [[kpi.pk]] * 3


def test_an_import_enqueues_one_roll_up_for_all_its_values(
    enqueued, django_capture_on_commit_callbacks
):
    world = World()
    kpi = world.kpis[1]
    typed = [
        imports.MeasurementRow(line=line, subject="", period=period, value=value)
        for line, (period, value) in enumerate(
            [("5-10-2026", "60"), ("12-10-2026", "61,5"), ("19-10-2026", "63")], start=2
        )
    ]
    checked = imports.check_rows(kpi, typed, from_cells=False)
    assert not [row.errors for row in checked if row.errors]
    with django_capture_on_commit_callbacks(execute=True):
        upload = services.measurement_import_create(
            actor=world.manager, kpi=kpi, rows=checked, is_spreadsheet=False
        )
        recorded = services.measurement_import_confirm(
            actor=world.manager, measurement_import=upload, rows=checked, correct=False
        )
    assert len(recorded) == 3
    assert [ids for ids, _day in enqueued] == [[kpi.pk]]


def test_a_measurement_is_saved_when_the_broker_is_unreachable(
    client, monkeypatch, caplog, handoff_inline, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr(tasks.rollup_kpis_task, "apply_async", broker_down)
    world = World()
    kpi = world.kpis[1]
    client.force_login(world.manager)
    with django_capture_on_commit_callbacks(execute=True):
        url = reverse("kpis:measurement-create", args=[kpi.pk])
        response = client.post(url, {"period": "2026-10-05", "value": "61,5"})
    assert response.status_code == 302
    assert Measurement.objects.filter(kpi=kpi, value=Decimal("61.5")).exists()
    assert f"the roll-up {tasks.rollup_kpis_task.name} of" in caplog.text


def test_the_kpi_task_takes_ids_and_an_iso_day_and_writes_the_rows():
    world = World()
    world.record(1, 0, 1, "61")
    tasks.rollup_kpis_task.apply(args=[[world.kpis[1].pk], ON.isoformat()]).get()
    assert list(KPISnapshot.objects.values_list("kpi", "day")) == [(world.kpis[1].pk, ON)]
