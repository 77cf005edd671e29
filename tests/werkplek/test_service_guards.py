"""Every refusal in the werkplek services, reached as a caller would."""

import pytest

from werkplek import services
from werkplek.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "iemand.anders@example.nl"), ("is_staff", True), ("is_superuser", True)],
)
def test_preferences_cannot_change_a_persons_address_or_rights(learner, field, value):
    before = (learner.name, getattr(learner, field))
    with pytest.raises(ValueError, match="can be changed here"):
        services.user_update_preferences(user=learner, name="Nieuwe Naam", **{field: value})
    saved = User.objects.get(pk=learner.pk)
    assert (saved.name, getattr(saved, field)) == before
