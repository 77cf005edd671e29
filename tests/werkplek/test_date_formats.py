"""Dates as each language writes them: "3 Feb 2027" in English, "3 feb 2027" in Dutch."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from tests.factories import FeedbackMomentFactory

THIRD_OF_MARCH = datetime.date(2027, 3, 3)
AT_FIVE_PAST_TWO = datetime.datetime(2027, 3, 3, 14, 5, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("language", "name", "expected"),
    [
        ("en", "SHORT_DATE_FORMAT", "3 Mar 2027"),
        ("en", "MONTH_DAY_FORMAT", "3 Mar"),
        ("en", "SHORT_DATETIME_FORMAT", "3 Mar, 14:05"),
        ("en", "DATE_FORMAT", "3 March 2027"),
        ("nl", "SHORT_DATE_FORMAT", "3 mrt 2027"),
        ("nl", "MONTH_DAY_FORMAT", "3 mrt"),
        ("nl", "SHORT_DATETIME_FORMAT", "3 mrt, 14:05"),
        ("nl", "DATE_FORMAT", "3 maart 2027"),
    ],
)
def test_each_language_writes_dates_its_own_way(language, name, expected):
    value = AT_FIVE_PAST_TWO if "DATETIME" in name else THIRD_OF_MARCH
    with translation.override(language):
        assert formats.date_format(value, name) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [("en", "3 Nov ("), ("nl", "3 nov (")])
def test_the_coach_sees_the_last_feedback_date_in_their_language(
    client, coach, enrolment, language, expected
):
    FeedbackMomentFactory(enrolment=enrolment, coach=coach, occurred_on=datetime.date(2026, 11, 3))
    coach.language = language
    coach.save(update_fields=["language"])
    client.force_login(coach)
    assert expected in client.get(reverse("coaching:home")).content.decode()


def test_templates_name_their_short_date_formats_instead_of_writing_them():
    """A hand-written "j b" shows "3 feb" in English too; the named formats differ per language."""
    by_hand = re.compile(r"""\|date:["'][^"']*\b[bM]\b[^"']*["']""")
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}: {match.group()}"
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        for match in by_hand.finditer(path.read_text())
    ]
    assert not offenders, "use SHORT_DATE_FORMAT or MONTH_DAY_FORMAT:\n" + "\n".join(offenders)
