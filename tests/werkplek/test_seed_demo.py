import pytest
from django.core.management import call_command
from django.urls import reverse

from werkplek.choices import Role
from werkplek.demo import DEMO_PASSWORD
from werkplek.models import Membership, User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("seed_demo")
    counts = (User.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Membership.objects.count()) == counts
    output = capsys.readouterr().out
    assert "manager@demo.werkplek.nl" in output
    assert DEMO_PASSWORD in output


@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("manager@demo.werkplek.nl", Role.MANAGER),
        ("coach@demo.werkplek.nl", Role.COACH),
        ("learner@demo.werkplek.nl", Role.LEARNER),
    ],
)
def test_each_demo_login_works_and_holds_its_role(client, email, role):
    call_command("seed_demo")
    response = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(email=email).roles == {role}


def test_demo_organisation_has_a_dozen_learners_and_a_few_coaches():
    call_command("seed_demo")
    assert Membership.objects.with_role(Role.LEARNER).count() == 12
    assert Membership.objects.with_role(Role.COACH).count() == 4
