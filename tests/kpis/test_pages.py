"""A manager defines KPIs and enters their values in the browser, in Dutch as typed."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from kpis.choices import Cadence, SubjectLevel
from kpis.forms import normalise_number
from kpis.models import KPI, Measurement
from tests.factories import KPIFactory, MeasurementFactory

pytestmark = pytest.mark.django_db

OCTOBER = "2026-10-14"


@pytest.fixture
def kpi(organization, manager):
    return KPIFactory(
        organization=organization,
        created_by=manager,
        name="Orderregels per uur",
        unit="orderregels per uur",
        decimals=1,
        min_value=Decimal("0"),
        max_value=Decimal("300"),
    )


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def enter(client, kpi, **data):
    return client.post(
        reverse("kpis:measurement-create", args=[kpi.pk]),
        {"period": OCTOBER, **data},
        follow=True,
    )


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("112,5", "112.5"),
        ("112.5", "112.5"),
        (" 1.234,5 ", "1234.5"),
        ("1,234.5", "1234.5"),
        ("1.234.567", "1234567"),
        ("-3,25", "-3.25"),
        ("80", "80"),
    ],
)
def test_numbers_are_read_as_people_type_them(typed, read):
    assert normalise_number(typed) == read


@pytest.mark.parametrize(
    ("language", "typed", "read"),
    [
        ("nl", "1.250", "1250"),  # a Dutch thousands mark
        ("nl", "1,250", "1.250"),
        ("nl", "1.25", "1.25"),  # not three digits after it: a decimal point
        ("en", "1,250", "1250"),
        ("en", "1.250", "1.250"),
    ],
)
def test_a_lone_mark_before_three_digits_follows_the_language(language, typed, read):
    with translation.override(language):
        assert normalise_number(typed) == read


def test_a_manager_defines_a_kpi_with_decimal_commas(signed_in, organization, program):
    response = signed_in.post(
        reverse("kpis:create"),
        {
            "name": "Orderfouten per 1.000 orderregels",
            "program": program.pk,
            "unit": "‰",
            "direction": "lower",
            "decimals": "1",
            "subject_level": SubjectLevel.TEAM,
            "cadence": Cadence.MONTH,
            "baseline_value": "4,2",
            "baseline_on": "2026-06-01",
            "target_value": "2,5",
            "target_on": "2027-06-01",
            "min_value": "0",
            "max_value": "",
        },
    )
    kpi = KPI.objects.get()
    assert response.status_code == 302 and response["Location"] == kpi.get_absolute_url()
    assert (kpi.organization, kpi.program) == (organization, program)
    assert (kpi.baseline_value, kpi.target_value, kpi.max_value) == (
        Decimal("4.2"),
        Decimal("2.5"),
        None,
    )


def test_the_edit_form_shows_values_with_a_decimal_comma_and_saves_changes(signed_in, kpi):
    kpi.baseline_value, kpi.baseline_on = Decimal("72.5"), datetime.date(2026, 6, 1)
    kpi.save()
    url = reverse("kpis:update", args=[kpi.pk])
    assert 'value="72,5"' in signed_in.get(url).content.decode()
    data = {
        "name": "Regels per uur",
        "unit": "regels/uur",
        "direction": "higher",
        "decimals": "1",
        "subject_level": kpi.subject_level,
        "cadence": kpi.cadence,
        "baseline_value": "72,5",
        "baseline_on": "2026-06-01",
        "min_value": "0",
        "max_value": "300",
    }
    response = signed_in.post(url, data)
    assert response.status_code == 302
    kpi.refresh_from_db()
    assert (kpi.name, kpi.unit) == ("Regels per uur", "regels/uur")


def test_a_measured_kpi_shows_its_level_cadence_and_program_as_fixed(signed_in, kpi):
    MeasurementFactory(kpi=kpi)
    html = signed_in.get(reverse("kpis:update", args=[kpi.pk])).content.decode()
    assert html.count("Vast: deze KPI heeft metingen.") == 3
    assert re.search(r'<select name="cadence"[^>]* disabled', html)


def test_a_kpi_form_with_a_mistake_keeps_what_was_typed(signed_in):
    response = signed_in.post(
        reverse("kpis:create"),
        {
            "name": "Inwerktijd in dagen",
            "direction": "lower",
            "decimals": "0",
            "subject_level": SubjectLevel.LEARNER,
            "cadence": Cadence.MONTH,
            "baseline_value": "70",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and not KPI.objects.exists()
    assert 'value="Inwerktijd in dagen"' in html and 'value="70"' in html
    assert "Een nulmeting heeft een waarde en een datum nodig." in html


def test_the_measurement_form_shows_the_unit_next_to_the_value(signed_in, kpi):
    html = signed_in.get(kpi.get_absolute_url()).content.decode()
    assert '<span class="input-group-text">orderregels per uur</span>' in html
    assert 'inputmode="decimal"' in html


def test_a_manager_enters_112_comma_5(signed_in, kpi):
    response = enter(signed_in, kpi, value="112,5")
    measurement = Measurement.objects.get()
    assert (measurement.value, measurement.period_start) == (
        Decimal("112.5"),
        datetime.date(2026, 10, 1),
    )
    html = response.content.decode()
    assert "Meting opgeslagen." in html
    assert "112,5 orderregels per uur" in html and "oktober 2026" in html


def test_a_second_value_for_the_period_asks_for_a_correction_and_keeps_the_typing(signed_in, kpi):
    enter(signed_in, kpi, value="112,5")
    response = enter(signed_in, kpi, value="113,0")
    html = response.content.decode()
    assert escape("Er is al een meting voor deze periode; kies 'corrigeren'.") in html
    assert 'value="113,0"' in html and f'value="{OCTOBER}"' in html
    assert Measurement.objects.get().value == Decimal("112.5")


def test_a_correction_replaces_the_value_and_shows_the_old_one(signed_in, kpi, manager):
    enter(signed_in, kpi, value="112,5")
    response = enter(signed_in, kpi, value="113", correction="on")
    html = response.content.decode()
    assert Measurement.objects.current().get().value == Decimal("113")
    assert "<del>112,5 orderregels per uur</del>" in html
    assert "gecorrigeerd (1 eerdere waarde)" in html


def test_a_future_day_and_a_value_out_of_range_are_refused_on_the_form(signed_in, kpi):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = enter(signed_in, kpi, period=tomorrow, value="80")
    assert "Een meting gaat over het verleden: kies vandaag of eerder." in response.content.decode()
    response = enter(signed_in, kpi, value="300,5")
    html = response.content.decode()
    assert "De hoogste mogelijke waarde is 300." in html and 'value="300,5"' in html
    response = enter(signed_in, kpi, value="veel")
    assert 'value="veel"' in response.content.decode()
    assert not Measurement.objects.exists()


def test_a_learner_level_value_names_the_learner_by_e_mail(signed_in, organization, learner):
    kpi = KPIFactory(organization=organization, subject_level=SubjectLevel.LEARNER, decimals=0)
    enter(signed_in, kpi, learner=learner.email.upper(), value="34")
    assert Measurement.objects.get().learner == learner
    response = enter(signed_in, kpi, learner="onbekend@example.nl", value="34")
    assert "Niemand in je organisatie heeft dit e-mailadres." in response.content.decode()


def test_in_english_a_decimal_point_and_a_comma_both_work(signed_in, kpi, manager):
    manager.language = "en"
    manager.save()
    assert "Measurement saved." in enter(signed_in, kpi, value="112.5").content.decode()
    html = enter(signed_in, kpi, period="2026-09-02", value="98,5").content.decode()
    assert "98.5 orderregels per uur" in html and "September 2026" in html
    assert sorted(Measurement.objects.values_list("value", flat=True)) == [
        Decimal("98.5"),
        Decimal("112.5"),
    ]


def test_the_list_shows_the_managers_kpis_only(signed_in, kpi, other_organization):
    KPIFactory(organization=other_organization, name="Van een ander")
    MeasurementFactory(kpi=kpi)
    html = signed_in.get(reverse("kpis:list")).content.decode()
    assert "Orderregels per uur" in html and "Van een ander" not in html
    assert "1 meting, laatste: oktober 2026" in html
