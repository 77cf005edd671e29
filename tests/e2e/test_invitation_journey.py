"""Someone new to the organisation accepts the e-mailed invitation on a phone."""

import datetime

import pytest
from playwright.sync_api import expect

from programs import services
from programs.models import Enrolment
from tests.factories import PASSWORD, CohortFactory, MembershipFactory, ProgramFactory


@pytest.fixture
def invitation(transactional_db):
    program = ProgramFactory(name="Inwerken orderpicker")
    manager = program.owner
    coach = MembershipFactory(
        organization=program.organization,
        is_coach=True,
        is_learner=False,
        user__name="Mohamed Amrani",
    ).user
    cohort = CohortFactory(program=program, name="Instroom december")
    return services.invitation_create(
        cohort=cohort,
        email="nina@dc-noord.nl",
        name="Nina Kok",
        started_on=datetime.date(2026, 12, 7),
        coach=coach,
        invited_by=manager,
    )


def test_a_newcomer_accepts_the_invitation_and_lands_on_their_progress(
    invitation, page, live_server, axe
):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + invitation.get_absolute_url())
    expect(page.get_by_role("heading", name="Doe mee aan “Inwerken orderpicker”")).to_be_visible()
    axe(page)
    expect(page.get_by_label("Je naam")).to_have_value("Nina Kok")
    page.get_by_label("Kies een wachtwoord").fill(PASSWORD)
    page.get_by_label("Wachtwoord nogmaals").fill("iets anders")
    page.get_by_role("button", name="Uitnodiging accepteren").click()
    expect(page.get_by_text("De twee wachtwoorden verschillen.")).to_be_visible()

    page.get_by_label("Kies een wachtwoord").fill(PASSWORD)
    page.get_by_label("Wachtwoord nogmaals").fill(PASSWORD)
    page.get_by_role("button", name="Uitnodiging accepteren").click()
    expect(page.get_by_text("Welkom! Hier volg je je voortgang.")).to_be_visible()
    expect(page.get_by_role("heading", name="Mijn voortgang")).to_be_visible()
    axe(page)
    enrolment = Enrolment.objects.get(learner__email="nina@dc-noord.nl")
    assert enrolment.current_pairing.coach.name == "Mohamed Amrani"
