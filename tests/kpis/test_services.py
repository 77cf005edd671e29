"""The rules of defining KPIs and recording their values, whoever calls the services."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kpis import services
from kpis.choices import Cadence, Direction, SubjectLevel
from kpis.models import KPI, Measurement, period_start
from tests.factories import CohortFactory, KPIFactory, MembershipFactory, ProgramFactory

pytestmark = pytest.mark.django_db

OCTOBER = datetime.date(2026, 10, 14)


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def kpi(organization, manager):
    return services.kpi_create(
        actor=manager,
        organization=organization,
        name="Orderregels per uur",
        unit="orderregels per uur",
        direction=Direction.HIGHER,
        decimals=1,
        subject_level=SubjectLevel.ORGANIZATION,
        cadence=Cadence.MONTH,
        baseline_value=Decimal("72"),
        baseline_on=datetime.date(2026, 6, 1),
        target_value=Decimal("85"),
        target_on=datetime.date(2027, 3, 1),
        min_value=Decimal("0"),
        max_value=Decimal("300"),
    )


def record(kpi, actor, **kwargs):
    return services.measurement_record(
        actor=actor, kpi=kpi, period=kwargs.pop("period", OCTOBER), **kwargs
    )


# Defining


def test_a_manager_defines_a_kpi_with_baseline_and_target(kpi, manager):
    assert kpi.created_by == manager
    assert (kpi.baseline_value, kpi.target_value) == (Decimal("72"), Decimal("85"))


def test_only_a_manager_of_the_organisation_defines_its_kpis(organization, coach, other_manager):
    for actor in (coach, other_manager):
        with pytest.raises(ValidationError, match="L&D manager"):
            services.kpi_create(
                actor=actor,
                organization=organization,
                name="Inwerktijd",
                subject_level=SubjectLevel.LEARNER,
                cadence=Cadence.MONTH,
            )
    assert not KPI.objects.exists()


def test_a_baseline_needs_a_date_and_a_target_no_earlier_than_it(organization, manager):
    with pytest.raises(ValidationError) as error:
        services.kpi_create(
            actor=manager,
            organization=organization,
            name="Inwerktijd",
            subject_level=SubjectLevel.LEARNER,
            cadence=Cadence.MONTH,
            baseline_value=Decimal("70"),
        )
    assert "A baseline needs both a value and a date." in error.value.messages
    with pytest.raises(ValidationError) as error:
        services.kpi_create(
            actor=manager,
            organization=organization,
            name="Inwerktijd",
            subject_level=SubjectLevel.LEARNER,
            cadence=Cadence.MONTH,
            baseline_value=Decimal("70"),
            baseline_on=datetime.date(2026, 6, 1),
            target_value=Decimal("42"),
            target_on=datetime.date(2026, 5, 1),
        )
    assert "target_on" in error.value.message_dict


def test_a_kpi_program_must_be_of_the_same_organisation(organization, manager, other_manager):
    foreign = ProgramFactory(organization=other_manager.memberships.get().organization)
    with pytest.raises(ValidationError) as error:
        services.kpi_create(
            actor=manager,
            organization=organization,
            program=foreign,
            name="Inwerktijd",
            subject_level=SubjectLevel.LEARNER,
            cadence=Cadence.MONTH,
        )
    assert "program" in error.value.message_dict


def test_level_cadence_and_program_stay_fixed_once_a_kpi_has_measurements(
    kpi, manager, organization
):
    services.kpi_update(actor=manager, kpi=kpi, cadence=Cadence.QUARTER, name="Regels per uur")
    record(kpi, manager, value=Decimal("80"))
    with pytest.raises(ValidationError) as error:
        services.kpi_update(actor=manager, kpi=kpi, cadence=Cadence.MONTH)
    assert "cadence" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.kpi_update(
            actor=manager, kpi=kpi, program=ProgramFactory(organization=organization)
        )
    assert "program" in error.value.message_dict
    kpi.refresh_from_db()
    assert (kpi.cadence, kpi.name, kpi.program) == (Cadence.QUARTER, "Regels per uur", None)


# Periods


@pytest.mark.parametrize(
    ("cadence", "day", "start"),
    [
        (Cadence.WEEK, datetime.date(2026, 10, 14), datetime.date(2026, 10, 12)),
        (Cadence.WEEK, datetime.date(2026, 10, 12), datetime.date(2026, 10, 12)),
        (Cadence.MONTH, datetime.date(2026, 10, 31), datetime.date(2026, 10, 1)),
        (Cadence.QUARTER, datetime.date(2026, 12, 31), datetime.date(2026, 10, 1)),
        (Cadence.QUARTER, datetime.date(2026, 3, 5), datetime.date(2026, 1, 1)),
    ],
)
def test_a_day_belongs_to_the_period_starting_on_monday_or_the_first(cadence, day, start):
    assert period_start(cadence, day) == start


# Recording


def test_a_value_is_recorded_for_the_start_of_its_period(kpi, manager):
    measurement = record(kpi, manager, value=Decimal("81.5"))
    assert measurement.period_start == datetime.date(2026, 10, 1)
    assert (measurement.value, measurement.recorded_by, measurement.is_current) == (
        Decimal("81.5"),
        manager,
        True,
    )


def test_only_a_manager_of_the_organisation_records_values(kpi, coach, other_manager):
    for actor in (coach, other_manager):
        with pytest.raises(ValidationError, match="L&D manager"):
            record(kpi, actor, value=Decimal("80"))
    assert not Measurement.objects.exists()


def test_a_value_for_a_future_day_is_refused(kpi, manager):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        record(kpi, manager, period=tomorrow, value=Decimal("80"))
    assert error.value.message_dict["period"] == [
        "A measurement is about the past: choose today or earlier."
    ]


def test_a_value_for_a_day_long_ago_is_refused_as_a_typing_mistake(kpi, manager):
    with pytest.raises(ValidationError) as error:
        record(kpi, manager, period=datetime.date(1926, 10, 1), value=Decimal("80"))
    assert error.value.message_dict["period"] == ["Enter a date between 2000 and 2099."]


def test_today_is_not_in_the_future(kpi, manager):
    assert record(kpi, manager, period=timezone.localdate(), value=Decimal("80"))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Decimal("-1"), "The lowest possible value is 0."),
        (Decimal("300.1"), "The highest possible value is 300."),
        (Decimal("80.25"), "Use at most 1 digits after the decimal comma."),
    ],
)
def test_a_value_outside_the_kpis_range_is_refused(kpi, manager, value, message):
    with pytest.raises(ValidationError) as error:
        record(kpi, manager, value=value)
    assert error.value.message_dict["value"] == [message]


def test_the_range_ends_are_allowed(kpi, manager):
    record(kpi, manager, value=Decimal("0"))
    record(kpi, manager, period=datetime.date(2026, 9, 3), value=Decimal("300"))
    assert Measurement.objects.count() == 2


def test_a_second_value_for_the_same_period_is_refused_without_correcting(kpi, manager):
    record(kpi, manager, value=Decimal("80"))
    with pytest.raises(ValidationError) as error:
        record(kpi, manager, period=datetime.date(2026, 10, 30), value=Decimal("82"))
    assert error.value.message_dict["period"] == [
        "There already is a measurement for this period; choose 'correct'."
    ]
    assert Measurement.objects.get().value == Decimal("80")


def test_a_correction_becomes_current_and_keeps_the_old_value(kpi, manager, organization):
    first = record(kpi, manager, value=Decimal("80"))
    second_manager = MembershipFactory(
        organization=organization, is_manager=True, is_learner=False
    ).user
    correction = record(kpi, second_manager, value=Decimal("82.5"), correction=True)
    first.refresh_from_db()
    assert first.is_current is False and first.value == Decimal("80")
    assert correction.corrects == first and correction.recorded_by == second_manager
    assert list(Measurement.objects.current()) == [correction]
    again = record(kpi, manager, value=Decimal("83"), correction=True)
    assert again.corrects == correction
    assert Measurement.objects.filter(kpi=kpi).count() == 3


def test_correcting_a_period_without_a_value_simply_records_it(kpi, manager):
    measurement = record(kpi, manager, value=Decimal("80"), correction=True)
    assert measurement.corrects is None and measurement.is_current


# Subjects


def test_each_learner_has_their_own_value_per_period(organization, manager, learner, other_learner):
    kpi = KPIFactory(organization=organization, subject_level=SubjectLevel.LEARNER)
    record(kpi, manager, learner=learner, value=Decimal("30"))
    record(kpi, manager, learner=other_learner, value=Decimal("40"))
    with pytest.raises(ValidationError):
        record(kpi, manager, learner=learner, value=Decimal("31"))
    assert Measurement.objects.current().count() == 2


def test_a_learner_of_another_organisation_is_refused(organization, manager, other_manager):
    kpi = KPIFactory(organization=organization, subject_level=SubjectLevel.LEARNER)
    with pytest.raises(ValidationError) as error:
        record(kpi, manager, learner=other_manager, value=Decimal("30"))
    assert "learner" in error.value.message_dict


def test_a_team_must_be_a_team_of_the_organisation(organization, manager, learner):
    kpi = KPIFactory(organization=organization, subject_level=SubjectLevel.TEAM)
    assert record(kpi, manager, team="Orderpicking", value=Decimal("3")).team == "Orderpicking"
    with pytest.raises(ValidationError) as error:
        record(kpi, manager, team="Nergens", value=Decimal("3"))
    assert "team" in error.value.message_dict


def test_a_group_must_be_of_the_kpis_program(organization, manager, program, cohort):
    kpi = KPIFactory(organization=organization, program=program, subject_level=SubjectLevel.GROUP)
    assert record(kpi, manager, cohort=cohort, value=Decimal("3")).cohort == cohort
    elsewhere = CohortFactory(program=ProgramFactory(organization=organization))
    with pytest.raises(ValidationError) as error:
        record(kpi, manager, cohort=elsewhere, value=Decimal("3"))
    assert "cohort" in error.value.message_dict


def test_a_group_level_value_needs_a_group(organization, manager, program):
    kpi = KPIFactory(organization=organization, program=program, subject_level=SubjectLevel.GROUP)
    with pytest.raises(ValidationError) as error:
        record(kpi, manager, value=Decimal("3"))
    assert "cohort" in error.value.message_dict


def test_a_program_level_value_is_about_a_program_of_the_organisation(
    organization, manager, program, other_manager
):
    kpi = KPIFactory(organization=organization, subject_level=SubjectLevel.PROGRAM)
    assert record(kpi, manager, program=program, value=Decimal("3")).subject == program
    foreign = ProgramFactory(organization=other_manager.memberships.get().organization)
    with pytest.raises(ValidationError):
        record(kpi, manager, program=foreign, value=Decimal("3"))
