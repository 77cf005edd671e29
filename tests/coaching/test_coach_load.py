"""The L&D manager's coach load page: per coach their learners against capacity, learners
whose feedback is overdue (the attention list's rule), feedback per week and trained or not;
filtered, sorted, a page at a time, at the same cost for 5 coaches and for 60."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from coaching import coach_load
from programs.models import CoachTraining
from tests.factories import (
    EnrolmentFactory,
    FeedbackMomentFactory,
    MembershipFactory,
    PairingFactory,
    UserFactory,
    members_in_bulk,
)

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TODAY = datetime.date(2026, 12, 9)  # a Wednesday; the group started on 2 November
URL = reverse("coaching:coach-load")


@pytest.fixture(autouse=True)
def _on_a_fixed_day():
    with time_machine.travel(datetime.datetime(2026, 12, 9, 10, 0, tzinfo=AMSTERDAM), tick=False):
        yield


def coach_named(organization, name, **fields):
    fields = {"is_coach": True, "is_learner": False, **fields}
    return MembershipFactory(organization=organization, user=UserFactory(name=name), **fields)


def trained(membership, manager):
    CoachTraining.objects.create(
        organization=membership.organization,
        coach=membership.user,
        course="Werkbegeleider BPV",
        completed_on=datetime.date(2026, 3, 12),
        recorded_by=manager,
    )


def row_of(page: str, name: str) -> str:
    start = page.rindex("<tr>", 0, page.index(name))
    return page[start : page.index("</tr>", start)]


@pytest.fixture
def carla(organization, cohort, manager):
    """A trained coach with capacity 3 and two learners: one with feedback this week, one
    whose last feedback was three weeks ago (overdue at a rhythm of five working days)."""
    carla = coach_named(organization, "Carla Coach", coach_capacity=3, team="Inslag")
    trained(carla, manager)
    recent, late = EnrolmentFactory(cohort=cohort), EnrolmentFactory(cohort=cohort)
    for enrolment in (recent, late):
        PairingFactory(enrolment=enrolment, coach=carla.user)
    for day in (TODAY - datetime.timedelta(days=1), TODAY - datetime.timedelta(days=8)):
        FeedbackMomentFactory(enrolment=recent, coach=carla.user, occurred_on=day)
    FeedbackMomentFactory(enrolment=late, coach=carla.user, occurred_on=datetime.date(2026, 11, 18))
    return carla


@pytest.fixture
def otto(organization, cohort):
    """An untrained coach without a limit and one learner, never given feedback."""
    otto = coach_named(organization, "Otto Ongetraind", team="Expeditie")
    PairingFactory(enrolment=EnrolmentFactory(cohort=cohort), coach=otto.user)
    return otto


def test_the_page_shows_each_coachs_load(client, manager, carla, otto):
    client.force_login(manager)
    page = client.get(URL).content.decode()
    carla_row = row_of(page, "Carla Coach")
    assert "2 van 3" in carla_row
    assert "1 lerende" in carla_row  # feedback overdue for one of her two
    assert "0,4" in carla_row  # 3 feedback moments in 8 weeks
    assert "niet getraind" not in carla_row
    otto_row = row_of(page, "Otto Ongetraind")
    assert "1, geen limiet" in otto_row
    assert "1 lerende" in otto_row  # no feedback since the start, 5 weeks ago
    assert "0,0" in otto_row
    assert "niet getraind" in otto_row
    assert reverse("programs:coach-profile", args=[carla.pk]) in carla_row


def test_the_overdue_count_is_the_attention_lists(manager, carla, otto):
    from coaching.attention import attention_list

    overdue = [s for s in attention_list(manager, on=TODAY) if s.is_overdue]
    counted = coach_load.overdue_by_coach(
        carla.organization, [carla.user_id, otto.user_id], on=TODAY
    )
    assert sum(counted.values()) == len(overdue) == 2


def test_filters_narrow_to_untrained_coaches_and_sort_by_load(client, manager, carla, otto):
    client.force_login(manager)
    page = client.get(URL, {"trained": "no"}).content.decode()
    assert "Otto Ongetraind" in page
    assert "Carla Coach" not in page
    page = client.get(URL, {"sort": "learners"}).content.decode()
    assert page.index("Carla Coach") < page.index("Otto Ongetraind")
    page = client.get(URL, {"sort": "untrained"}).content.decode()
    assert page.index("Otto Ongetraind") < page.index("Carla Coach")
    page = client.get(URL, {"q": "otto"}).content.decode()
    assert "Carla Coach" not in page


def test_a_nonsense_filter_value_is_ignored_not_a_server_error(client, manager, carla):
    client.force_login(manager)
    response = client.get(URL, {"sort": "drop table", "trained": "\x00"})
    assert response.status_code == 200


def test_another_organisation_cannot_be_chosen(client, manager, other_organization):
    client.force_login(manager)
    response = client.get(URL, {"organization": other_organization.slug})
    assert response.status_code == 404


@pytest.mark.parametrize("count", [5, 60])
def test_the_page_costs_the_same_for_5_coaches_and_for_60(
    client, manager, organization, cohort, django_assert_num_queries, count
):
    memberships = members_in_bulk(organization, count, coach_every=1)
    for membership in memberships[:3]:
        enrolment = EnrolmentFactory(cohort=cohort)
        PairingFactory(enrolment=enrolment, coach=membership.user)
        FeedbackMomentFactory(enrolment=enrolment, coach=membership.user, occurred_on=TODAY)
    trained(memberships[0], manager)
    client.force_login(manager)
    # session, user, memberships; the organisations managed; the filter's teams; the coaches
    # counted and paged; the overdue learners (their enrolments and the nine queries of
    # their statuses); the bell. The same 18 for 5 coaches and for 60.
    with django_assert_num_queries(18):
        response = client.get(URL)
    page = response.content.decode()
    rows = re.findall(r'<td class="stack-title">', page)
    assert len(rows) == min(count, coach_load.COACHES_PER_PAGE)
    assert len(page) < 40_000
