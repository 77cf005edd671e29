"""The database refuses KPI rows that break the rules, whoever writes them.

These tests write straight through the ORM, past the services. The foreign key that keeps a
measurement's level equal to its KPI's is PostgreSQL's alone; those tests skip elsewhere.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from kpis.choices import SubjectLevel
from kpis.models import KPI, Measurement
from tests.factories import CohortFactory, KPIFactory, MeasurementFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="only PostgreSQL holds this rule"
)


def refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasurementFactory(**fields)


def test_a_kpi_name_is_unique_in_its_organisation(organization):
    KPIFactory(organization=organization, name="Inwerktijd")
    with pytest.raises(IntegrityError), transaction.atomic():
        KPIFactory(organization=organization, name="Inwerktijd")


@pytest.mark.parametrize(
    "fields",
    [
        {"baseline_value": Decimal("70")},
        {"target_on": datetime.date(2027, 1, 1)},
        {"min_value": Decimal("10"), "max_value": Decimal("5")},
        {"decimals": 5},
    ],
)
def test_a_kpi_with_half_a_baseline_or_target_or_a_backwards_range_is_refused(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        KPIFactory(**fields)


def test_an_organisation_level_value_has_no_subject(learner):
    refused(learner=learner)
    refused(team="Orderpicking")


def test_a_learner_level_value_needs_its_learner(organization, learner):
    kpi = KPIFactory(organization=organization, subject_level=SubjectLevel.LEARNER)
    refused(kpi=kpi)
    refused(kpi=kpi, learner=learner, team="Orderpicking")
    assert MeasurementFactory(kpi=kpi, learner=learner).learner == learner


def test_a_group_level_value_needs_its_group(organization, program):
    kpi = KPIFactory(organization=organization, subject_level=SubjectLevel.GROUP)
    refused(kpi=kpi)
    refused(kpi=kpi, program=program)
    assert MeasurementFactory(kpi=kpi, cohort=CohortFactory(program=program)).cohort


def test_one_current_value_per_kpi_subject_and_period(organization, learner, other_learner):
    kpi = KPIFactory(organization=organization, subject_level=SubjectLevel.LEARNER)
    first = MeasurementFactory(kpi=kpi, learner=learner)
    refused(kpi=kpi, learner=learner)
    MeasurementFactory(kpi=kpi, learner=other_learner)
    MeasurementFactory(kpi=kpi, learner=learner, period_start=datetime.date(2026, 11, 1))
    # Kept as history, a replaced value makes room for its correction.
    MeasurementFactory(kpi=kpi, learner=learner, is_current=False)
    first.is_current = False
    first.save()
    MeasurementFactory(kpi=kpi, learner=learner, corrects=first)
    assert Measurement.objects.filter(kpi=kpi, learner=learner).count() == 4


def test_one_current_organisation_level_value_per_period():
    measurement = MeasurementFactory()
    refused(kpi=measurement.kpi)


def test_one_current_team_value_per_period(organization, learner):
    kpi = KPIFactory(organization=organization, subject_level=SubjectLevel.TEAM)
    MeasurementFactory(kpi=kpi, team="Orderpicking")
    refused(kpi=kpi, team="Orderpicking")
    MeasurementFactory(kpi=kpi, team="Inslag")


def test_a_value_is_never_its_own_correction():
    measurement = MeasurementFactory()
    measurement.corrects_id = measurement.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        measurement.save()


@postgresql_only
def test_a_measurement_cannot_claim_another_level_than_its_kpis(learner):
    measurement = MeasurementFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Measurement.objects.filter(pk=measurement.pk).update(
            subject_level=SubjectLevel.LEARNER, learner=learner
        )


@postgresql_only
def test_a_measured_kpi_cannot_change_its_level_in_the_database():
    measurement = MeasurementFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        KPI.objects.filter(pk=measurement.kpi_id).update(subject_level=SubjectLevel.TEAM)
