"""Who may read and change KPIs and their values: the doors every page goes through."""

import pytest
from django.contrib.auth.models import AnonymousUser

from kpis.choices import SubjectLevel
from kpis.models import KPI, Measurement
from tests.factories import KPIFactory, MeasurementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kpis(organization, other_organization, learner):
    own = KPIFactory(organization=organization, subject_level=SubjectLevel.LEARNER)
    foreign = KPIFactory(organization=other_organization)
    return own, foreign


def test_managers_read_and_change_only_their_own_organisations_kpis(
    kpis, manager, other_manager, coach, learner
):
    own, foreign = kpis
    assert list(KPI.objects.visible_to(manager)) == [own]
    assert list(KPI.objects.editable_by(manager)) == [own]
    assert list(KPI.objects.editable_by(other_manager)) == [foreign]
    for person in (coach, learner):
        assert not KPI.objects.visible_to(person).exists()
        assert not KPI.objects.editable_by(person).exists()


def test_a_learner_reads_only_their_own_learner_level_values(
    kpis, manager, learner, other_learner, other_manager
):
    own, foreign = kpis
    theirs = MeasurementFactory(kpi=own, learner=learner)
    MeasurementFactory(kpi=own, learner=other_learner)
    organisation_wide = MeasurementFactory(kpi=foreign)
    assert list(Measurement.objects.visible_to(learner)) == [theirs]
    assert Measurement.objects.visible_to(manager).count() == 2
    assert list(Measurement.objects.visible_to(other_manager)) == [organisation_wide]


def test_nobody_anonymous_reads_a_value(kpis):
    MeasurementFactory(kpi=kpis[1])
    assert not Measurement.objects.visible_to(AnonymousUser()).exists()
    assert not KPI.objects.visible_to(AnonymousUser()).exists()
