"""Every list a manager sees stays short, whatever the organisation's size.

Each page is opened in an organisation of 5, 200 and 2,000 people (with programs and groups in
proportion): the number of queries is the same for all three, the HTML of the largest stays
under a fixed bound, and 2,000 people give a page no more than 10% larger than 200 people do
(both fill every page of the list).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    MembershipFactory,
    OrganizationFactory,
    PairingFactory,
    ProgramFactory,
    members_in_bulk,
)

pytestmark = pytest.mark.django_db

SIZES = (5, 200, 2000)

# The most HTML each page may send, in bytes, at any size (today's largest plus room to grow).
HTML_BOUND = {
    "people": 40_000,
    "program list": 40_000,
    "program detail": 25_000,
    "group": 45_000,  # 25 learners a page, each with coach, pace and status
    "attention": 40_000,  # 25 rows a page
    "evaluation results": 30_000,  # 20 groups a page
}


def organisation_of(size: int):
    """An organisation of `size` people (a quarter of them coaches), `size` / 8 programs and,
    in its first program, `size` / 8 groups; the first group has `size` / 8 + 3 learners with a
    coach; another group in its last program as many without one (each on the attention list)."""
    organization = OrganizationFactory(slug=f"org-{size}")
    manager = MembershipFactory(organization=organization, is_manager=True, is_learner=False).user
    members_in_bulk(organization, size)
    programs = ProgramFactory.create_batch(size // 8 + 1, organization=organization, owner=manager)
    cohorts = CohortFactory.create_batch(size // 8 + 1, program=programs[0])
    coach = MembershipFactory(organization=organization, is_coach=True, is_learner=False).user
    unpaired = CohortFactory(program=programs[-1])
    for _ in range(size // 8 + 3):
        PairingFactory(enrolment=EnrolmentFactory(cohort=cohorts[0]), coach=coach)
        EnrolmentFactory(cohort=unpaired)
    urls = {
        "people": reverse("organization-detail", args=[organization.slug]),
        "program list": reverse("programs:list"),
        "program detail": reverse("programs:detail", args=[programs[0].pk]),
        "group": reverse("programs:cohort-detail", args=[cohorts[0].pk]),
        "attention": reverse("coaching:attention"),
        "evaluation results": reverse("coaching:evaluation-results", args=[programs[0].pk]),
    }
    return manager, urls


def measure(client, manager, url):
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.content)


@pytest.mark.parametrize("page", list(HTML_BOUND))
def test_page_keeps_its_query_count_and_html_size_from_5_to_2000_people(client, page):
    figures = {}
    for size in SIZES:
        manager, urls = organisation_of(size)
        figures[size] = measure(client, manager, urls[page])
    queries = {size: count for size, (count, _bytes) in figures.items()}
    html = {size: length for size, (_count, length) in figures.items()}
    assert len(set(queries.values())) == 1, queries
    assert html[2000] <= HTML_BOUND[page], html
    assert html[2000] <= html[200] * 1.1, html
