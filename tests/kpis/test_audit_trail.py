"""The audit trail of KPIs and measurements, and of organisation settings and memberships:
who defined, changed, recorded, corrected or imported what; a manager reads a KPI's history."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from kpis import imports, services
from kpis.choices import Cadence, Direction, SubjectLevel
from kpis.models import KPI, Measurement
from werkplek import audit
from werkplek import services as werkplek_services
from werkplek.choices import Role
from werkplek.models import Membership, Organization

pytestmark = pytest.mark.django_db
OCTOBER = datetime.date(2026, 10, 1)


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
        target_value=Decimal("85"),
        target_on=datetime.date(2027, 3, 1),
    )


def test_defining_changing_recording_and_correcting_record_the_manager(kpi, manager):
    assert KPI.history.get(id=kpi.pk).history_user == manager
    services.kpi_update(actor=manager, kpi=kpi, target_value=Decimal("90"))
    assert KPI.history.filter(id=kpi.pk).first().target_value == Decimal("90")
    first = services.measurement_record(actor=manager, kpi=kpi, period=OCTOBER, value=Decimal(80))
    second = services.measurement_record(
        actor=manager, kpi=kpi, period=OCTOBER, value=Decimal(82), correction=True
    )
    replaced = Measurement.history.filter(id=first.pk).first()
    assert (replaced.is_current, replaced.history_user) == (False, manager)
    assert Measurement.history.get(id=second.pk).history_user == manager


def test_imported_values_carry_the_importing_manager(kpi, manager):
    row = imports.MeasurementRow(line=2, subject="", period="2026-10-01", value="81")
    rows = imports.check_rows(kpi, [row], from_cells=False)
    preview = services.measurement_import_create(
        actor=manager, kpi=kpi, rows=rows, is_spreadsheet=False
    )
    [measurement] = services.measurement_import_confirm(
        actor=manager, measurement_import=preview, rows=rows, correct=False
    )
    version = Measurement.history.get(id=measurement.pk)
    assert (version.history_user, version.history_change_reason) == (manager, audit.IMPORT)


def test_organisation_settings_and_memberships_record_who_changed_them(
    organization, manager, learner
):
    werkplek_services.organization_update_settings(
        actor=manager, organization=organization, max_learning_hours_per_week=Decimal(6)
    )
    version = Organization.history.filter(id=organization.pk).first()
    assert (version.max_learning_hours_per_week, version.history_user) == (Decimal(6), manager)
    membership = werkplek_services.membership_set(
        actor=manager, user=learner, organization=organization, roles={Role.COACH}
    )
    assert Membership.history.filter(id=membership.pk).first().history_user == manager
    werkplek_services.membership_end(actor=manager, membership=membership)
    assert Membership.history.filter(id=membership.pk).first().ended_on is not None


def test_a_manager_reads_a_kpis_corrections(client, kpi, manager):
    services.measurement_record(actor=manager, kpi=kpi, period=OCTOBER, value=Decimal(80))
    services.measurement_record(
        actor=manager, kpi=kpi, period=OCTOBER, value=Decimal(82), correction=True
    )
    client.force_login(manager)
    page = client.get(reverse("kpis:history", args=[kpi.pk])).content.decode()
    # The replaced value is no longer current; the correction's value is shown as stored.
    assert '<del>ja</del> &rarr; <ins class="text-decoration-none">nee</ins>' in page
    # Values read with the KPI's own decimals (one), not as stored (four).
    assert '<ins class="text-decoration-none">82,0</ins>' in page
    assert "82,0000" not in page


@pytest.mark.parametrize("count", [1, 25])
def test_the_kpi_history_takes_the_same_queries_for_a_long_history_as_a_short_one(
    client, kpi, manager, django_assert_num_queries, count
):
    for number in range(count):
        services.kpi_update(actor=manager, kpi=kpi, target_value=Decimal(86 + number))
        services.measurement_record(
            actor=manager,
            kpi=kpi,
            period=OCTOBER - datetime.timedelta(days=31 * number),
            value=Decimal(80),
        )
    client.force_login(manager)
    with django_assert_num_queries(14):
        response = client.get(reverse("kpis:history", args=[kpi.pk]))
    assert response.status_code == 200
