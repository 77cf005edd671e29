"""Bounded input: every free text has a limit in the model, the form and the database, and
names are one line of visible text."""

import io

import openpyxl
import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import translation

from coaching.models import FEEDBACK_TEXT_LENGTH, FeedbackMoment
from tests.factories import FeedbackMomentFactory, KPIFactory
from werkplek.lib import text
from werkplek.lib.text import MaxCharactersValidator, NameValidator

APPS = ("werkplek", "programs", "coaching", "kpis")


@pytest.mark.parametrize(
    "name",
    ["José Ñúñez-O'Brien", "Anne-Marie van der Berg", "محمد الأحمد", "Zoë (Inbound) 2", "李小龙"],
)
def test_real_names_are_accepted(name):
    NameValidator()(name)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Jan\u202enaJ", "U+202E"),  # right-to-left override
        ("Jan\u2066x\u2069", "U+2066, U+2069"),  # isolates
        ("Jan\u200f", "U+200F"),  # right-to-left mark
        ("Jan\x00", "U+0000"),
        ("Jan\nPiet", "U+000A"),
        ("Jan\tPiet", "U+0009"),
        ("Jan\x85", "U+0085"),  # a C1 control
        ("Jan\u2028Piet", "U+2028"),
    ],
)
def test_names_with_control_or_direction_characters_are_refused_with_their_code(name, shown):
    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        NameValidator()(name)
    assert refused.value.messages == [
        "Gebruik alleen letters, cijfers en leestekens: deze tekst bevat een onzichtbaar "
        f"stuurteken of teken voor de schrijfrichting ({shown})."
    ]


def _text_fields():
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.TextField) and not model._meta.model_name.startswith(
                    "historical"
                ):
                    yield model, field


def test_every_free_text_has_its_limit_in_the_model_and_the_database():
    fields = list(_text_fields())
    assert len(fields) >= 11
    for model, field in fields:
        label = f"{model._meta.label}.{field.name}"
        assert field.max_length, label
        assert MaxCharactersValidator(field.max_length) in field.validators, label
        checks = [c for c in model._meta.constraints if isinstance(c, models.CheckConstraint)]
        assert any(f"Length(F({field.name}))" in str(c.condition) for c in checks), label


def test_the_database_refuses_a_text_over_the_limit_written_past_the_model(enrolment, coach):
    moment = FeedbackMomentFactory(enrolment=enrolment, coach=coach)
    with pytest.raises(IntegrityError), transaction.atomic():
        FeedbackMoment.objects.filter(pk=moment.pk).update(
            went_well="x" * (FEEDBACK_TEXT_LENGTH + 1)
        )


def test_a_too_long_feedback_says_how_long_and_keeps_all_of_it(client, enrolment, coach):
    client.force_login(coach)
    text = "Goed gescand. " * 443 + "x"  # 6,203 characters
    response = client.post(
        reverse("coaching:feedback-create", args=[enrolment.pk]),
        {"occurred_on": "2026-01-01", "shift": "day", "went_well": text},
        HTTP_ACCEPT_LANGUAGE="nl",
    )

    assert response.status_code == 200
    assert response.context["form"].errors["went_well"] == [
        "Maximaal 5.000 tekens; deze tekst heeft er 6.203."
    ]
    body = response.content.decode()
    assert text in body  # nothing typed is lost
    textarea = body[body.index('name="went_well"') - 200 : body.index('name="went_well"') + 100]
    assert "maxlength" not in textarea  # the browser would cut a pasted text off
    assert not FeedbackMoment.objects.exists()


def test_the_kpi_template_holds_a_formula_like_kpi_name_as_text(client, organization, manager):
    kpi = KPIFactory(organization=organization, name='=HYPERLINK("http://x")')
    client.force_login(manager)
    book = client.get(reverse("kpis:measurement-import-template", args=[kpi.pk])).content

    workbook = openpyxl.load_workbook(io.BytesIO(book))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert any("HYPERLINK" in str(cell.value) for cell in cells)
    assert not [cell for cell in cells if cell.data_type == "f"]


# --- Names stored before NameValidator: the data migrations clean them -----------------


def test_the_pattern_the_database_searches_with_finds_exactly_the_refused_characters():
    import re

    pattern = re.compile(text.HIDDEN_CHARACTERS_PATTERN)
    for code in range(1, 0x3000):
        assert bool(pattern.search(chr(code))) == text.is_hidden(chr(code)), f"U+{code:04X}"


@pytest.mark.django_db
def test_the_migration_removes_hidden_characters_from_stored_names_and_never_leaves_one_empty(
    organization, manager
):
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from programs.models import Cohort, Program
    from tests.factories import CohortFactory, MembershipFactory, ProgramFactory
    from werkplek.models import Membership, User

    # Written as an older werkplek stored them: without the model's checks.
    taken = ProgramFactory(organization=organization, owner=manager, name="Inwerken")
    program = ProgramFactory(organization=organization, owner=manager, name="Orderpicken")
    Program.objects.filter(pk=program.pk).update(name="Inwerken\u202e ")
    cohort = CohortFactory(program=taken, name="Maart")
    Cohort.objects.filter(pk=cohort.pk).update(name="\u202e\u200f\t")
    person = MembershipFactory(organization=organization).user
    User.objects.filter(pk=person.pk).update(name="Jan\u202enesnaJ\n")
    Membership.objects.filter(user=person).update(team="\u2066\u2069")
    before = Program.history.filter(id=program.pk).count()

    state = MigrationLoader(connection).project_state().apps
    with translation.override("en"):  # the fallback speaks the site's language, not the caller's
        changed = sum(text.clean_stored_names(state, app) for app in APPS)

    assert changed == 4
    assert Program.objects.get(pk=program.pk).name == f"Inwerken ({program.pk})"
    assert Program.objects.get(pk=taken.pk).name == "Inwerken"
    assert Cohort.objects.get(pk=cohort.pk).name == f"Groep #{cohort.pk}"
    assert User.objects.get(pk=person.pk).name == "JannesnaJ"
    assert Membership.objects.get(user=person).team == ""
    assert Program.history.filter(id=program.pk).count() == before
    assert sum(text.clean_stored_names(state, app) for app in APPS) == 0
