"""The same feedback moment open in two tabs: the second save does not overwrite the first;
it shows what was saved in between and keeps what was typed (issue 16)."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import FeedbackMomentFactory

pytestmark = pytest.mark.django_db

CONFLICT = "Iemand heeft dit opgeslagen nadat jij het opende"


def opened(client, url) -> dict:
    """The edit form as a tab shows it: every value it would post."""
    page = client.get(url).content.decode()
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    return {"version": version}


def moment_data(moment, **typed):
    return {
        "occurred_on": moment.occurred_on.isoformat(),
        "shift": moment.shift,
        "went_well": moment.went_well,
        **typed,
    }


def test_the_second_tab_sees_the_first_save_and_keeps_what_it_typed(client, coach, enrolment):
    moment = FeedbackMomentFactory(
        enrolment=enrolment, coach=coach, occurred_on=timezone.localdate()
    )
    client.force_login(coach)
    url = reverse("coaching:feedback-edit", args=[moment.pk])
    first_tab, second_tab = opened(client, url), opened(client, url)

    saved = client.post(url, {**moment_data(moment, went_well="Netjes gescand."), **first_tab})
    assert saved.status_code == 302
    shown = client.post(url, {**moment_data(moment, went_well="Snel gepickt."), **second_tab})

    content = html.unescape(shown.content.decode())
    assert shown.status_code == 200
    assert CONFLICT in content
    assert "Snel gepickt.</textarea>" in content
    assert "Intussen opgeslagen: Netjes gescand." in content
    moment.refresh_from_db()
    assert moment.went_well == "Netjes gescand."

    # Having compared, the coach saves again: now their text is what counts.
    again = re.search(r'name="version" value="(\d+)"', content).group(1)
    client.post(url, {**moment_data(moment, went_well="Snel gepickt."), "version": again})
    moment.refresh_from_db()
    assert (moment.went_well, moment.version) == ("Snel gepickt.", 3)


def test_a_field_only_the_other_tab_changed_takes_its_saved_value(client, coach, enrolment):
    moment = FeedbackMomentFactory(
        enrolment=enrolment, coach=coach, occurred_on=timezone.localdate(), next_step="Picken"
    )
    client.force_login(coach)
    url = reverse("coaching:feedback-edit", args=[moment.pk])
    first_tab, second_tab = opened(client, url), opened(client, url)
    client.post(url, {**moment_data(moment, next_step="Picken", shift="night"), **first_tab})
    shown = client.post(url, {**moment_data(moment, next_step="Picken"), **second_tab})
    content = html.unescape(shown.content.decode())
    # Neither the untouched next step nor the shift only the first tab changed is a
    # conflict: the shift now shows the night shift, so saving again keeps it.
    assert "Intussen opgeslagen:" not in content
    assert re.search(r'value="night"[^>]* checked', content)
