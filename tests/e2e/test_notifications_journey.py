"""Notifications on a phone and a desktop: a coach's nudges and a learner's reminder light up
the bell; the list shows them and reading them lowers the count; a kind turned off on the
preferences page stays off; the link in every mail opens that person's notification settings
without a password, and nothing else."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching import reminders, services
from tests.factories import (
    PASSWORD,
    CohortFactory,
    EnrolmentFactory,
    FeedbackMomentFactory,
    MembershipFactory,
    OrganizationFactory,
    PairingFactory,
    ProgramFactory,
    ReflectionFactory,
)
from werkplek import outbox
from werkplek.models import NotificationOptOut

WIDTHS = [390, 1280]


@pytest.fixture
def people(transactional_db, settings, live_server):
    """A coach with two learners whose feedback is overdue (two nudges), and a learner of
    theirs with a reflection due yesterday (today's reminder); mail links lead to the live
    server."""
    settings.SITE_URL = live_server.url
    # Open every day and every hour: the journey must not depend on when the suite runs
    # (messages wait for the recipient's allowed moment).
    organization = OrganizationFactory(
        name="DC Noord",
        slug="dc-noord",
        working_weekdays=list(range(1, 8)),
        quiet_hours_start=datetime.time(0, 0),
        quiet_hours_end=datetime.time(0, 0),
    )
    coach = MembershipFactory(
        organization=organization, is_coach=True, is_learner=False, user__name="Mohamed Amrani"
    ).user
    program = ProgramFactory(organization=organization, name="Inwerken orderpicker")
    today = timezone.localdate()
    cohort = CohortFactory(program=program, starts_on=today - datetime.timedelta(days=28))
    learners = []
    for name in ("Nina Kok", "Sem de Wit"):
        learner = MembershipFactory(organization=organization, user__name=name).user
        enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
        PairingFactory(enrolment=enrolment, coach=coach)
        learners.append(learner)
    nina = learners[0].enrolments.get()
    moment = FeedbackMomentFactory(enrolment=nina, occurred_on=today - datetime.timedelta(days=20))
    ReflectionFactory(
        enrolment=nina, feedback_moment=moment, due_on=today - datetime.timedelta(days=1)
    )
    assert services.coach_nudges_overdue_feedback(on=today) == 2
    outbox.enqueue(
        recipient=learners[0], kind=reminders.REFLECTION_REMINDER, due_slot=today.isoformat()
    )
    return coach, learners[0]


def bell(page, unread):
    """The bell in the top bar, named by its unread count for screen readers too."""
    return page.get_by_role("link", name=f"Meldingen, {unread} ongelezen")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_bell_counts_nudges_and_reading_them_lowers_the_count(
    people, page, live_server, log_in, axe, deliver_outbox, width
):
    coach, _learner = people
    deliver_outbox()  # the bell announces what has been sent, never a queued message
    page.set_viewport_size({"width": width, "height": 900})
    log_in(coach.email, PASSWORD)

    coach_bell = bell(page, 2)
    expect(coach_bell).to_be_visible()
    expect(coach_bell.locator("[data-unread]")).to_have_text("2")
    box = coach_bell.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box  # a finger can hit it
    axe(page)

    coach_bell.click()
    expect(page.get_by_role("heading", name="Meldingen")).to_be_visible()
    # Opening marks read, so each notification is a button (a POST), not a link.
    nudges = page.get_by_role("button", name=re.compile(r"Feedback voor .* is te laat"))
    expect(nudges).to_have_count(2)
    expect(page.get_by_text("nieuw", exact=True)).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe(page)

    # Opening one leads to what it is about and counts it read.
    nina = "Feedback voor Nina Kok is te laat (Inwerken orderpicker)"
    page.get_by_role("button", name=re.compile(re.escape(nina))).click()
    expect(page.get_by_role("heading", name=re.compile("Nina Kok"))).to_be_visible()
    expect(bell(page, 1)).to_be_visible()
    bell(page, 1).click()
    expect(page.get_by_text("nieuw", exact=True)).to_have_count(1)

    page.get_by_role("button", name="Alles gelezen").click()
    expect(page.get_by_text("Alle meldingen zijn als gelezen gemarkeerd.")).to_be_visible()
    expect(bell(page, 0)).to_be_visible()
    expect(bell(page, 0).locator("[data-unread]")).to_have_count(0)
    expect(nudges).to_have_count(2)  # read, still listed
    axe(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_kind_turned_off_on_the_preferences_page_stays_off(
    people, page, live_server, log_in, axe, width
):
    coach, _learner = people
    page.set_viewport_size({"width": width, "height": 900})
    log_in(coach.email, PASSWORD)
    page.goto(f"{live_server.url}/voorkeuren/")
    overdue = page.get_by_role("switch", name="Seintjes als de feedback van een lerende te laat is")
    help_asked = page.get_by_role("switch", name="Seintjes als een lerende om hulp vraagt")
    expect(overdue).to_be_checked()
    # Only the coach's own kinds: a learner's reminders are not theirs to switch.
    reminder = page.get_by_role("switch", name="Herinneringen om een reflectie te schrijven")
    expect(reminder).to_have_count(0)
    # Each switch with its label is a target a finger can hit.
    label = page.locator("label", has_text="Seintjes als de feedback van een lerende te laat is")
    assert label.bounding_box()["height"] >= 44
    axe(page)

    overdue.uncheck()
    page.get_by_role("button", name="Opslaan").first.click()
    expect(page.get_by_text("Je voorkeuren zijn opgeslagen.")).to_be_visible()
    page.reload()
    expect(overdue).not_to_be_checked()
    expect(help_asked).to_be_checked()
    assert list(NotificationOptOut.objects.filter(user=coach).values_list("kind", flat=True)) == [
        "coach_feedback_overdue"
    ]
    axe(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_mails_link_opens_the_notification_settings_without_a_password_and_nothing_else(
    people, page, live_server, axe, deliver_outbox, width
):
    _coach, learner = people
    page.set_viewport_size({"width": width, "height": 900})
    reminder = next(mail for mail in deliver_outbox() if mail.to == [learner.email])
    assert reminder.subject == "Er wacht een reflectie op je"
    html = reminder.alternatives[0][0]
    # Inline styles only: mail clients drop style sheets, scripts and linked CSS.
    assert not re.search(r"<(script|style|link)\b", html)
    link = re.search(r'href="([^"]+)"[^>]*>Minder e-mail\? Kies welke meldingen je krijgt\.', html)
    assert link and link.group(1) in reminder.body  # the same link in the plain-text part

    page.goto(link.group(1))
    expect(page.get_by_role("heading", name="Meldingen")).to_be_visible()
    expect(page.get_by_text(f"Welke e-mails werkplek naar {learner.email} stuurt.")).to_be_visible()
    switch = page.get_by_role("switch", name="Herinneringen om een reflectie te schrijven")
    expect(switch).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe(page)

    switch.uncheck()
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_text("Je meldingen zijn opgeslagen.")).to_be_visible()
    page.reload()
    expect(switch).not_to_be_checked()
    axe(page)

    # It stays off: tomorrow's reminder is not sent.
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    outbox.enqueue(recipient=learner, kind=reminders.REFLECTION_REMINDER, due_slot=tomorrow)
    assert len(deliver_outbox()) == 3  # the two nudges and today's reminder, nothing new

    # The link signed nobody in: every other page asks for a password.
    for path in ("/mijn-voortgang/", "/meldingen/", "/voorkeuren/"):
        page.goto(f"{live_server.url}{path}")
        expect(page).to_have_url(re.compile(r"/account/login/"))
    expect(page.locator("#notification-bell")).to_have_count(0)

    # An altered link opens nothing.
    page.goto(link.group(1).replace("/meldingen/", "/meldingen/x"))
    expect(page.get_by_role("heading", name="Deze link is verlopen")).to_be_visible()
