import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_program_list_filters_offer_all_in_dutch(client, manager, program):
    client.force_login(manager)
    content = client.get(reverse("programs:list")).content.decode()
    for label in ("Alle statussen", "Alle eigenaren", "Alle leervormen"):
        assert f'<option value="" selected>{label}</option>' in content
    assert "---------" not in content
