"""The group page shows each learner's status by the one definition, a page at a time."""

import pytest
from django.urls import reverse

from programs import services
from programs.choices import EndReason
from tests.factories import EnrolmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_group_page_shows_pace_last_feedback_coach_and_reasons(
    client, manager, cohort, enrolment
):
    EnrolmentFactory(cohort=cohort, learner=UserFactory(name="Youssef Haddou"))
    client.force_login(manager)
    page = client.get(reverse("programs:cohort-detail", args=[cohort.pk])).content.decode()
    for column in ("Tempo", "Laatste feedback", "Coach", "Aandacht nodig"):
        assert f'data-label="{column}"' in page
    assert "Geen coach" in page  # Youssef
    assert "Nog te weinig gegevens" in page  # the pace of a learner without feedback


def test_the_group_page_selects_all_learners_on_a_phone_too(client, manager, cohort, enrolment):
    client.force_login(manager)
    page = client.get(reverse("programs:cohort-detail", args=[cohort.pk])).content.decode()
    # One box in the table's header (hidden on a phone), one above the stacked rows.
    assert page.count('data-select-all="enrolments"') == 2
    assert 'for="select-all-phone">Alle lerenden kiezen</label>' in page


def test_the_group_page_lists_25_learners_a_page_running_ones_first(client, manager, cohort):
    enrolments = EnrolmentFactory.create_batch(27, cohort=cohort)
    ended = enrolments[0]
    services.enrolment_end(
        actor=manager, enrolment=ended, reason=EndReason.STOPPED, ended_on=cohort.starts_on
    )
    client.force_login(manager)
    url = reverse("programs:cohort-detail", args=[cohort.pk])
    first = client.get(url).content.decode()
    last = client.get(url + "?page=2").content.decode()
    assert first.count('name="enrolments"') == 25
    assert last.count('name="enrolments"') == 1  # the ended one is listed, not selectable
    assert "Pagina 2 van 2" in last
    assert reverse("coaching:progress", args=[ended.pk]) in last
    assert "(gestopt)" in last and "(gestopt)" not in first


def test_the_group_page_html_does_not_grow_past_a_page_of_learners(client, manager, cohort):
    def size(learners):
        EnrolmentFactory.create_batch(learners, cohort=cohort)
        client.force_login(manager)
        return len(client.get(reverse("programs:cohort-detail", args=[cohort.pk])).content)

    at_a_page = size(25)
    at_four_pages = size(75)
    assert at_four_pages < at_a_page * 1.1
