"""A program or a goal open in two tabs (or by two managers): the second save does not
overwrite the first; it shows what was saved in between and keeps what was typed."""

import html
import re
import threading

import pytest
from django.db import connection
from django.urls import reverse

from programs.models import LearningGoal, Program
from tests.factories import LearningGoalFactory
from werkplek.lib.versions import EditConflict

pytestmark = pytest.mark.django_db

CONFLICT = "Iemand heeft dit opgeslagen nadat jij het opende"


def version_in(page: str, name="version") -> str:
    return re.search(rf'name="{name}" value="(\d+)"', page).group(1)


def program_data(program, version, **typed):
    return {
        "name": program.name,
        "description": program.description,
        "business_objective": "Zelfstandig binnen drie weken.",
        "duration_weeks": str(program.duration_weeks),
        "feedback_every_days": str(program.feedback_every_days),
        "reminder_rhythm": program.reminder_rhythm,
        "reminder_time": "09:00",
        "owner": program.owner_id,
        "version": version,
        **typed,
    }


def test_a_program_saved_in_another_tab_is_not_overwritten(client, manager, program):
    client.force_login(manager)
    url = reverse("programs:edit", args=[program.pk])
    first_tab = version_in(client.get(url).content.decode())
    second_tab = version_in(client.get(url).content.decode())

    saved = client.post(url, program_data(program, first_tab, name="Inwerken reachtruck"))
    assert saved.status_code == 302
    shown = client.post(url, program_data(program, second_tab, duration_weeks="8"))

    content = html.unescape(shown.content.decode())
    assert CONFLICT in content
    # Their typed value stays in the field; the name they did not touch now holds the name
    # saved in the other tab (nothing to compare there), so saving again keeps both.
    assert 'name="duration_weeks" value="8"' in content
    shown_name = re.search(r'name="name" value="([^"]*)"', content).group(1)
    assert shown_name == "Inwerken reachtruck"
    assert "Intussen opgeslagen: Inwerken reachtruck" not in content
    program.refresh_from_db()
    assert (program.name, program.version) == ("Inwerken reachtruck", 2)
    assert program.duration_weeks != 8

    again = program_data(program, version_in(content), name=shown_name, duration_weeks="8")
    assert client.post(url, again).status_code == 302
    program.refresh_from_db()
    assert (program.name, program.duration_weeks) == ("Inwerken reachtruck", 8)


def test_a_goal_edited_in_two_tabs_keeps_the_first_save(client, manager, program):
    goal = LearningGoalFactory(program=program, title="Scannen", target_week=1)
    client.force_login(manager)
    url = reverse("programs:goal-edit", args=[goal.pk])
    prefix = f"goal-{goal.pk}"
    first_tab = version_in(client.get(url).content.decode(), f"{prefix}-version")
    second_tab = version_in(client.get(url).content.decode(), f"{prefix}-version")

    def post(version, title, **headers):
        data = {f"{prefix}-title": title, f"{prefix}-target_week": "1"}
        return client.post(url, {**data, f"{prefix}-version": version}, **headers)

    assert post(first_tab, "Veilig scannen").status_code == 302
    shown = post(second_tab, "Snel scannen", HTTP_HX_REQUEST="true")

    content = html.unescape(shown.content.decode())
    assert CONFLICT in content
    assert 'value="Snel scannen"' in content
    assert "Intussen opgeslagen: Veilig scannen" in content
    assert LearningGoal.objects.get().title == "Veilig scannen"


def test_a_goal_edit_posted_without_a_version_is_refused_as_a_conflict(client, manager, program):
    """A post without the version (an old page, a hand-made request) cannot tell what it
    builds on: it never overwrites, it shows what was saved and keeps what was typed."""
    from programs import services  # noqa: PLC0415

    goal = LearningGoalFactory(program=program, title="Scannen", target_week=1)
    services.goal_update(actor=manager, goal=goal, title="Veilig scannen")
    client.force_login(manager)
    prefix = f"goal-{goal.pk}"
    shown = client.post(
        reverse("programs:goal-edit", args=[goal.pk]),
        {f"{prefix}-title": "Snel scannen", f"{prefix}-target_week": "1"},
    )

    content = html.unescape(shown.content.decode())
    assert CONFLICT in content
    assert 'value="Snel scannen"' in content
    assert "Intussen opgeslagen: Veilig scannen" in content
    assert LearningGoal.objects.get().title == "Veilig scannen"
    assert version_in(content, f"{prefix}-version") == "2"


def test_a_service_call_without_a_version_still_moves_it_on(manager, program):
    """Callers other than the form (the admin, a command) save on the loaded version."""
    from programs import services  # noqa: PLC0415

    services.program_update(actor=manager, program=program, name="Nieuw")
    assert Program.objects.get().version == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once")
@pytest.mark.django_db(transaction=True)
def test_two_saves_of_one_version_at_the_same_moment_keep_one(manager, program):
    """The second save waits on the row the first one claimed, then finds its version gone."""
    from programs import services  # noqa: PLC0415

    barrier = threading.Barrier(2)
    outcomes = []

    def save_in_a_thread(name):
        try:
            barrier.wait()
            stale = Program.objects.get(pk=program.pk)
            services.program_update(actor=manager, program=stale, version=1, name=name)
            outcomes.append(name)
        except EditConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save_in_a_thread, args=(n,)) for n in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (["A", "conflict"], ["B", "conflict"])
    program.refresh_from_db()
    assert (program.name, program.version) == (sorted(outcomes)[0], 2)


def test_an_edit_after_the_program_was_archived_in_between_is_refused(manager, program):
    """The program was loaded before another tab archived it: the edit sees the archiving."""
    from django.core.exceptions import ValidationError  # noqa: PLC0415

    from programs import services  # noqa: PLC0415
    from programs.choices import ProgramStatus  # noqa: PLC0415

    goal = LearningGoalFactory(program=program, title="Scannen", target_week=1)
    goal = LearningGoal.objects.select_related("program").get(pk=goal.pk)
    other_tab = Program.objects.get(pk=program.pk)
    services.program_change_status(actor=manager, program=other_tab, status=ProgramStatus.ARCHIVED)
    with pytest.raises(ValidationError, match="gearchiveerd"):
        services.program_update(actor=manager, program=program, name="Nieuw")
    with pytest.raises(ValidationError, match="gearchiveerd"):
        services.goal_update(actor=manager, goal=goal, title="Veilig scannen")
    assert Program.objects.get().name != "Nieuw"
    assert LearningGoal.objects.get().title == "Scannen"


def test_a_status_change_moves_the_version_so_an_open_edit_form_conflicts(manager, program):
    from programs import services  # noqa: PLC0415
    from programs.choices import ProgramStatus  # noqa: PLC0415

    program.status = ProgramStatus.DRAFT
    program.save()
    opened = Program.objects.get(pk=program.pk).version
    services.program_change_status(actor=manager, program=program, status=ProgramStatus.PILOT)
    with pytest.raises(EditConflict):
        services.program_update(
            actor=manager, program=Program.objects.get(), version=opened, name="Nieuw"
        )
    assert Program.objects.get().status == ProgramStatus.PILOT
