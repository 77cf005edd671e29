"""When a person may be messaged (werkplek.availability), for someone who works for two
organisations: their own quiet hours win; otherwise quiet when either organisation says
quiet; a message comes on a working day of the organisation it is about."""

import datetime
import zoneinfo

import pytest

from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from werkplek.availability import availability_of

pytestmark = pytest.mark.django_db

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
SATURDAY = datetime.date(2027, 5, 8)
MONDAY = datetime.date(2027, 5, 10)


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=AMSTERDAM)


@pytest.fixture
def office():
    """Monday to Friday, quiet 20:00–07:00 (the defaults)."""
    return OrganizationFactory(working_weekdays=[1, 2, 3, 4, 5])


@pytest.fixture
def warehouse():
    """Tuesday to Saturday, quiet 18:00–08:30."""
    return OrganizationFactory(
        working_weekdays=[2, 3, 4, 5, 6],
        quiet_hours_start=datetime.time(18),
        quiet_hours_end=datetime.time(8, 30),
    )


@pytest.fixture
def both(office, warehouse):
    person = UserFactory()
    MembershipFactory(user=person, organization=office, is_coach=True)
    MembershipFactory(user=person, organization=warehouse, is_coach=True)
    return person


def next_allowed(person, moment, organizations=None):
    rule = availability_of([person], on=moment.date())[person.pk]
    return rule.next_allowed(moment, organizations).astimezone(AMSTERDAM)


def test_either_organisations_quiet_hours_keep_a_person_of_both_quiet(both, office):
    # 19:00 on a Monday: the office is not quiet yet, the warehouse is, until 08:30.
    assert next_allowed(both, at(MONDAY, 19), [office.pk]) == at(
        MONDAY + datetime.timedelta(1), 8, 30
    )
    assert next_allowed(both, at(MONDAY, 8)) == at(MONDAY, 8, 30)


def test_personal_quiet_hours_win_over_both_organisations(both, office):
    both.quiet_hours_start, both.quiet_hours_end = datetime.time(22), datetime.time(6)
    both.save()
    assert next_allowed(both, at(MONDAY, 19), [office.pk]) == at(MONDAY, 19)
    assert next_allowed(both, at(MONDAY, 23)) == at(MONDAY + datetime.timedelta(1), 6)


def test_a_message_comes_on_a_working_day_of_the_organisation_it_is_about(both, office, warehouse):
    saturday_noon = at(SATURDAY, 12)
    # About the office's program: not on the office's Saturday, and Monday only once the
    # warehouse's quiet hours are over too.
    assert next_allowed(both, saturday_noon, [office.pk]) == at(MONDAY, 8, 30)
    # About the warehouse's: it works on Saturdays.
    assert next_allowed(both, saturday_noon, [warehouse.pk]) == saturday_noon
    # About both or neither (a digest): a day on which either works.
    assert next_allowed(both, saturday_noon) == saturday_noon
    assert next_allowed(both, saturday_noon, [office.pk, warehouse.pk]) == saturday_noon
    # Sunday neither works.
    assert next_allowed(both, at(SATURDAY + datetime.timedelta(1), 12)) == at(MONDAY, 8, 30)


def test_someone_in_two_organisations_with_no_shared_working_day_is_still_reached(
    office, warehouse
):
    office.working_weekdays = [1, 2, 3]
    office.save()
    warehouse.working_weekdays = [4, 5]
    warehouse.save()
    person = UserFactory()
    MembershipFactory(user=person, organization=office)
    MembershipFactory(user=person, organization=warehouse)
    thursday = MONDAY + datetime.timedelta(days=3)
    assert next_allowed(person, at(thursday, 12)) == at(thursday, 12)
    assert next_allowed(person, at(thursday, 12), [office.pk]) == at(
        MONDAY + datetime.timedelta(weeks=1), 8, 30
    )
