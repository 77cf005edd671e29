"""An importing manager learns nothing about an account elsewhere; people join by accepting."""

import pytest
from django.urls import reverse

from programs import services
from programs.models import Enrolment, Invitation, Pairing
from tests.factories import PASSWORD, EnrolmentFactory, MembershipFactory
from tests.programs.test_import import confirm, upload, xlsx
from werkplek.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_someone_with_an_account_elsewhere_shows_only_the_imported_name_until_they_accept(
    client, manager, cohort, other_manager
):
    other_manager.name = "Naam Elders Opgeslagen"
    other_manager.save()
    client.force_login(manager)
    upload(client, cohort, xlsx([[other_manager.email, "Zoals Wij Het Typten", "", "", ""]]))
    content = confirm(client, cohort).content.decode()
    assert "Zoals Wij Het Typten" in content
    assert "Naam Elders Opgeslagen" not in content
    assert not Enrolment.objects.exists()
    assert not cohort.program.organization.memberships.filter(user=other_manager).exists()

    invitation = Invitation.objects.get()
    client.force_login(other_manager)
    client.post(reverse("programs:invitation-accept", args=[invitation.token]))
    enrolment = Enrolment.objects.get(learner=other_manager)
    assert enrolment.cohort == cohort
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_a_newcomer_accepts_by_choosing_a_password_and_lands_on_their_progress(
    client, manager, cohort, coach
):
    invitation = services.invitation_create(
        cohort=cohort,
        email="nina@example.nl",
        name="Nina Kok",
        started_on=cohort.starts_on,
        invited_by=manager,
        coach=coach,
    )
    url = reverse("programs:invitation-accept", args=[invitation.token])
    mismatch = client.post(url, {"name": "Nina", "password1": PASSWORD, "password2": "anders"})
    assert "De twee wachtwoorden verschillen." in mismatch.content.decode()
    assert 'value="Nina"' in mismatch.content.decode()
    response = client.post(url, {"name": "Nina Kok", "password1": PASSWORD, "password2": PASSWORD})
    enrolment = Enrolment.objects.get(learner__email="nina@example.nl")
    assert response.url == reverse("coaching:progress", args=[enrolment.pk])
    assert Pairing.objects.get(enrolment=enrolment).coach == coach
    assert client.get(url).status_code == 404, "an accepted invitation cannot be used again"


def test_someone_with_an_account_is_asked_to_log_in_and_nobody_else_may_accept(
    client, manager, cohort, other_manager, coach
):
    invitation = services.invitation_create(
        cohort=cohort,
        email=other_manager.email,
        name="Iemand",
        started_on=cohort.starts_on,
        invited_by=manager,
    )
    url = reverse("programs:invitation-accept", args=[invitation.token])
    assert client.get(url).url.startswith(reverse("login"))
    client.force_login(coach)
    assert client.post(url).status_code == 404
    assert not Enrolment.objects.exists()


def test_the_preview_names_coaches_going_over_capacity_and_confirm_needs_the_box(
    client, manager, cohort, organization
):
    coach = MembershipFactory(
        organization=organization, is_coach=True, is_learner=False, coach_capacity=1
    ).user
    EnrolmentFactory.create_batch(2, cohort=cohort)
    members = [m.learner.email for m in Enrolment.objects.all()]
    Enrolment.objects.all().delete()
    client.force_login(manager)
    file = xlsx([[email, "", "", coach.email, ""] for email in members])
    preview = upload(client, cohort, file).content.decode()
    assert "capaciteit van 1; deze lijst voegt er 2 toe" in preview
    refused = confirm(client, cohort).content.decode()
    assert "Bevestig dat coaches boven hun capaciteit mogen gaan." in refused
    assert not Enrolment.objects.exists()
    confirm(client, cohort, over_capacity_ok="on")
    assert Pairing.objects.filter(coach=coach).count() == 2


def test_an_invitation_link_with_a_nul_character_is_not_found(client):
    url = reverse("programs:invitation-accept", args=["abc\x00def"])
    assert client.get(url).status_code == 404


def invite_nina(cohort, manager):
    return services.invitation_create(
        cohort=cohort,
        email="nina@example.nl",
        name="Nina Kok",
        started_on=cohort.starts_on,
        invited_by=manager,
    )


def test_a_program_name_with_a_line_break_still_sends_the_invitation(
    cohort, manager, deliver_outbox
):
    cohort.program.name = "Inwerken\r\norderpicker"
    cohort.program.save(update_fields=["name"])
    invite_nina(cohort, manager)
    [message] = deliver_outbox()
    assert message.subject == "Je bent uitgenodigd voor Inwerken orderpicker"
    assert OutboxMessage.objects.get().status == "sent"


def test_an_invitation_accepted_before_its_mail_went_out_is_not_mailed(
    cohort, manager, deliver_outbox
):
    invitation = invite_nina(cohort, manager)
    services.invitation_accept_as_new(
        invitation=invitation, name="Nina Kok", password="een-lang-wachtwoord"
    )
    assert deliver_outbox() == []
    assert OutboxMessage.objects.get().status == "cancelled"
