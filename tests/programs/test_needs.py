"""Needs analysis: a manager asks a team to rate a draft program's goals, people answer (or
the manager for them, or a spreadsheet), and the goals come out ordered by gap, before and
after the program, never showing one person's answers to anyone else."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from programs.choices import ProgramStatus
from programs.needs import imports, selectors, services
from programs.needs.mails import NEEDS_REQUEST
from programs.needs.models import NeedsImport, NeedsRating, NeedsRequest, Round, Source
from tests.factories import LearningGoalFactory, MembershipFactory, ProgramFactory
from tests.programs import spreadsheets
from werkplek.lib.forms import SUBMISSION_TOKEN
from werkplek.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(organization, manager):
    program = ProgramFactory(
        organization=organization, owner=manager, name="Inwerken heftruck", status="draft"
    )
    for position, title in enumerate(["Veilig rijden", "Pallets stapelen", "Scanner gebruiken"]):
        LearningGoalFactory(program=program, position=position, title=title)
    return program


@pytest.fixture
def team(organization, learner, other_learner):
    """Four people of the team Orderpicking (learner and other_learner among them)."""
    more = [
        MembershipFactory(organization=organization, team="Orderpicking").user for _ in range(2)
    ]
    return [learner, other_learner, *more]


def goals(program):
    return list(program.goals.order_by("position"))


def close(program, round=Round.BEFORE):
    """The manager closes the round: only then do its averages show."""
    analysis = program.needs_analyses.get(round=round)
    return services.needs_analysis_close(actor=program.owner, analysis=analysis)


def answer(person, program, ratings, *, actor=None):
    """`ratings`: (importance, ability) per goal in the program's order."""
    request = NeedsRequest.objects.get(analysis__program=program, person=person)
    answers = {g.pk: r for g, r in zip(goals(program), ratings, strict=True)}
    return services.needs_answer(actor=actor or person, request=request, answers=answers)


# --- asking -----------------------------------------------------------------------------


def test_asking_a_team_asks_each_member_once_and_tells_them(client, manager, draft, team):
    client.force_login(manager)
    response = client.post(
        reverse("programs:needs-ask", args=[draft.pk]), {"team": "Orderpicking"}, follow=True
    )
    assert "4 mensen zijn gevraagd de leerdoelen in te schatten." in response.content.decode()
    assert NeedsRequest.objects.filter(analysis__round=Round.BEFORE).count() == 4
    assert OutboxMessage.objects.filter(kind=NEEDS_REQUEST).count() == 4

    response = client.post(
        reverse("programs:needs-ask", args=[draft.pk]), {"team": "Orderpicking"}, follow=True
    )
    assert "Iedereen die je koos was al gevraagd." in response.content.decode()
    assert NeedsRequest.objects.count() == 4


def test_an_address_outside_the_organisation_is_a_form_error_that_keeps_the_typing(
    client, manager, draft, learner, other_manager
):
    client.force_login(manager)
    typed = f"{learner.email}\n{other_manager.email}"
    response = client.post(reverse("programs:needs-ask", args=[draft.pk]), {"emails": typed})
    content = response.content.decode()
    assert f"Niet in je organisatie: {other_manager.email}." in content
    assert learner.email in content  # what was typed stays
    assert not NeedsRequest.objects.exists()


def test_a_program_without_goals_or_past_its_draft_without_baseline_cannot_start(
    manager, organization, learner
):
    empty = ProgramFactory(organization=organization, owner=manager, status="draft")
    with pytest.raises(ValidationError, match="Voeg eerst de leerdoelen"):
        services.needs_analysis_ask(actor=manager, program=empty, people=[learner])
    running = ProgramFactory(organization=organization, owner=manager, status="active")
    LearningGoalFactory(program=running)
    with pytest.raises(ValidationError, match="start zolang het leerprogramma een concept is"):
        services.needs_analysis_ask(actor=manager, program=running, people=[learner])


def test_only_a_manager_of_the_program_asks(draft, coach, other_manager, learner):
    for actor in (coach, other_manager):
        with pytest.raises(ValidationError, match="Alleen een L&D-manager"):
            services.needs_analysis_ask(actor=actor, program=draft, people=[learner])


# --- answering --------------------------------------------------------------------------


@pytest.fixture
def asked(manager, draft, team):
    services.needs_analysis_ask(actor=manager, program=draft, people=team)
    return draft


def test_a_learner_rates_each_goal_on_the_page_from_their_list(client, asked, learner):
    client.force_login(learner)
    listing = client.get(reverse("programs:needs-requests")).content.decode()
    assert "Inwerken heftruck" in listing and "te beantwoorden" in listing
    request = NeedsRequest.objects.get(person=learner)
    data = {}
    for goal, (importance, ability) in zip(goals(asked), [(5, 1), (3, 3), (2, 5)], strict=True):
        data[f"importance_{goal.pk}"], data[f"ability_{goal.pk}"] = importance, ability
    response = client.post(reverse("programs:needs-answer", args=[request.pk]), data, follow=True)
    assert "Dank je: je inschatting is opgeslagen." in response.content.decode()
    request.refresh_from_db()
    assert request.source == Source.SELF and request.answered_at
    assert sorted(request.ratings.values_list("importance", "ability")) == [(2, 5), (3, 3), (5, 1)]


def test_a_missing_rating_is_a_form_error_and_keeps_the_others(client, asked, learner):
    client.force_login(learner)
    request = NeedsRequest.objects.get(person=learner)
    first = goals(asked)[0]
    response = client.post(
        reverse("programs:needs-answer", args=[request.pk]), {f"importance_{first.pk}": "4"}
    )
    content = response.content.decode()
    assert "Kies hoe goed dit nu al lukt." in content
    assert f'value="4" class="btn-check" id="id_importance_{first.pk}_3" required checked' in (
        content
    )
    assert not NeedsRating.objects.exists()


def test_changed_answers_keep_their_earlier_version(asked, learner):
    answer(learner, asked, [(5, 1), (3, 3), (2, 5)])
    answer(learner, asked, [(5, 2), (3, 3), (2, 5)])
    rating = NeedsRating.objects.get(request__person=learner, goal=goals(asked)[0])
    assert [h.ability for h in rating.history.order_by("history_date")] == [1, 2]
    assert rating.history.first().history_user == learner


def test_a_manager_rates_for_someone_until_they_answer_themselves(asked, manager, learner):
    answer(learner, asked, [(4, 2), (4, 2), (4, 2)], actor=manager)
    assert NeedsRequest.objects.get(person=learner).source == Source.MANAGER
    answer(learner, asked, [(5, 1), (3, 3), (2, 5)])
    request = NeedsRequest.objects.get(person=learner)
    assert request.source == Source.SELF
    with pytest.raises(ValidationError, match="heeft zelf geantwoord"):
        answer(learner, asked, [(1, 1), (1, 1), (1, 1)], actor=manager)


def test_a_manager_never_opens_a_persons_own_answers(client, asked, manager, learner):
    answer(learner, asked, [(5, 1), (3, 3), (2, 5)])
    client.force_login(manager)
    request = NeedsRequest.objects.get(person=learner)
    response = client.get(reverse("programs:needs-answer", args=[request.pk]), follow=True)
    assert "heeft zelf geantwoord; die antwoorden blijven van hen." in response.content.decode()
    assert "btn-check" not in response.content.decode()
    # Nor through the ratings' door: a person's own ratings are theirs alone.
    assert not NeedsRating.objects.visible_to(manager).exists()
    assert NeedsRating.objects.visible_to(learner).count() == 3


def test_the_baseline_closes_when_the_program_leaves_its_draft(asked, learner, manager):
    asked.status = ProgramStatus.PILOT
    asked.save()
    with pytest.raises(ValidationError, match="gesloten"):
        answer(learner, asked, [(5, 1), (3, 3), (2, 5)])


def test_one_rating_per_person_goal_and_round_and_each_from_1_to_5(asked, learner):
    answer(learner, asked, [(5, 1), (3, 3), (2, 5)])
    rating = NeedsRating.objects.filter(request__person=learner).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedsRating.objects.create(
            request=rating.request,
            goal=rating.goal,
            importance=1,
            ability=1,
            source=Source.SELF,
            rated_by=learner,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedsRating.objects.filter(pk=rating.pk).update(ability=6)


# --- the result: goals by gap -----------------------------------------------------------


def test_goals_come_ordered_by_gap_and_hide_below_three_answers(asked, team):
    veilig, pallets, scanner = goals(asked)
    # Scanner: important and hardly mastered; Veilig: important but mastered.
    for person in team[:3]:
        answer(person, asked, [(5, 5), (2, 3), (5, 1)])
    close(asked)
    rows = selectors.goal_needs(asked)
    assert [row.goal for row in rows] == [scanner, pallets, veilig]
    assert [row.before.gap for row in rows] == [20.0, 4.0, 0.0]
    assert rows[0].before.n == 3

    other = ProgramFactory(organization=asked.organization, owner=asked.owner, status="draft")
    LearningGoalFactory(program=other)
    services.needs_analysis_ask(actor=asked.owner, program=other, people=team[:2])
    for person in team[:2]:
        answer(person, other, [(5, 1)])
    close(other)
    (row,) = selectors.goal_needs(other)
    assert row.before.n == 2 and not row.before.is_shown and row.before.gap is None


def test_an_open_round_shows_no_averages_nor_who_answered_when(client, asked, team, manager):
    """Averages that move as people answer, beside who answered when, would give away the
    answer of whoever answered last: while a round is open the manager sees how many answered
    and who did not yet, no more."""
    for person, ratings in zip(
        team[:3],
        [[(5, 5), (2, 3), (5, 1)], [(5, 5), (2, 3), (5, 2)], [(5, 5), (2, 3), (5, 3)]],
        strict=True,
    ):
        answer(person, asked, ratings)
    client.force_login(manager)
    url = reverse("programs:needs", args=[asked.pk])
    content = client.get(url).content.decode()
    assert "3 van 4 mensen hebben geantwoord" in content
    assert ">15,0<" not in content and "te zien zodra de ronde gesloten is" in content
    assert team[3].name in content and "nog niet beantwoord" in content
    for person in team[:3]:
        assert person.name not in content
    assert "zelf ingeschat" not in content

    analysis = asked.needs_analyses.get()
    token = {SUBMISSION_TOKEN: str(uuid.uuid4())}
    response = client.post(reverse("programs:needs-close", args=[analysis.pk]), token, follow=True)
    content = response.content.decode()
    assert "De ronde is gesloten" in content
    assert content.index("Scanner gebruiken") < content.index("Pallets stapelen")
    assert ">15,0<" in content  # 5 × (5 − 2.0)
    assert "zelf ingeschat" in content and team[0].name in content
    analysis.refresh_from_db()
    assert analysis.closed_by == manager
    assert [h.history_user for h in analysis.history.order_by("history_date")] == [manager] * 2
    with pytest.raises(ValidationError, match="gesloten"):
        answer(team[3], asked, [(1, 1), (1, 1), (1, 1)])


def test_ratings_the_manager_knows_do_not_count_toward_the_three(asked, team, manager):
    """Ratings a manager entered or imported are known to them: with two of those and one
    person's own answer, three times the average less the known ones is that person's answer."""
    answer(team[0], asked, [(4, 2), (4, 2), (4, 2)], actor=manager)
    answer(team[1], asked, [(4, 2), (4, 2), (4, 2)], actor=manager)
    answer(team[2], asked, [(5, 1), (3, 3), (2, 5)])
    close(asked)
    rows = selectors.goal_needs(asked)
    assert all(row.before.n == 3 and not row.before.is_shown for row in rows)
    assert all(row.before.importance is None for row in rows)

    other = ProgramFactory(organization=asked.organization, owner=manager, status="draft")
    LearningGoalFactory(program=other)
    services.needs_analysis_ask(actor=manager, program=other, people=team)
    answer(team[0], other, [(1, 1)], actor=manager)
    for person in team[1:]:
        answer(person, other, [(5, 2)])
    close(other)
    (row,) = selectors.goal_needs(other)
    assert (row.before.n, row.before.n_self, row.before.is_shown) == (4, 3, True)
    assert row.before.importance == 4.0  # the known rating counts in the average


def test_the_round_after_the_program_shows_beside_the_baseline(client, asked, team, manager):
    for person in team[:3]:
        answer(person, asked, [(5, 5), (2, 3), (5, 1)])
    asked.status = ProgramStatus.ACTIVE
    asked.save()
    services.needs_analysis_ask(actor=manager, program=asked, people=team[:3])
    for person in team[:3]:
        request = NeedsRequest.objects.get(person=person, analysis__round=Round.AFTER)
        answers = dict(zip([g.pk for g in goals(asked)], [(5, 5), (2, 4), (5, 4)], strict=True))
        services.needs_answer(actor=person, request=request, answers=answers)
    close(asked, Round.AFTER)
    rows = selectors.goal_needs(asked)
    assert rows[0].goal.title == "Scanner gebruiken"
    assert (rows[0].after.ability, rows[0].ability_change, rows[0].after.gap) == (4.0, 3.0, 5.0)
    client.force_login(manager)
    content = client.get(reverse("programs:needs", args=[asked.pk])).content.decode()
    assert "voor en na het leerprogramma" in content and "(+3,0)" in content


# --- the import -------------------------------------------------------------------------

CSV = (
    "Behoefteanalyse heftruck;;;\n;;;\nE-mailadres;Leerdoel;Belang;Kunnen nu\n"
    "{a};Veilig rijden;5;4,0\n{a};2;3;2\n{b};scanner  GEBRUIKEN;4;1\n"
)


def test_a_dutch_csv_with_a_title_row_previews_then_imports_all_at_once(
    client, asked, manager, learner, other_learner
):
    client.force_login(manager)
    analysis = asked.needs_analyses.get()
    text = CSV.format(a=learner.email, b=other_learner.email)
    file = spreadsheets.csv(text, name="behoefte.csv", encoding="cp1252")
    response = client.post(reverse("programs:needs-import", args=[analysis.pk]), {"file": file})
    assert "3 regels zijn klaar om te importeren." in response.content.decode()
    assert not NeedsRating.objects.exists()
    token = NeedsImport.objects.get().token
    url = reverse("programs:needs-import-confirm", args=[analysis.pk])
    response = client.post(url, {"token": token}, follow=True)
    assert "3 inschattingen geïmporteerd." in response.content.decode()
    assert NeedsRating.objects.filter(source=Source.IMPORT).count() == 3
    assert NeedsRequest.objects.get(person=learner).source == Source.IMPORT
    again = client.post(url, {"token": token}, follow=True)
    assert "al geïmporteerd (3 inschattingen)" in again.content.decode()
    assert NeedsRating.objects.count() == 3


def test_bad_rows_are_named_and_nothing_is_imported(asked, learner, other_manager):
    analysis = asked.needs_analyses.get()
    answer(learner, asked, [(5, 1), (3, 3), (2, 5)])
    text = (
        "E-mail;Leerdoel;Belang;Kunnen nu\n"
        f"{learner.email};Veilig rijden;5;4\n"
        f"{other_manager.email};Veilig rijden;5;4\n"
        f"{learner.email.replace('@', '')};Koken;3,5;zes\n"
    )
    rows = imports.check_rows(imports.read_rows(spreadsheets.csv(text)), analysis)
    assert rows[0].is_skipped and rows[0].warnings == ["Deze ronde al ingeschat, overgeslagen."]
    assert rows[1].errors == [f"“{other_manager.email}” is niet van je organisatie."]
    assert len(rows[2].errors) == 4
    assert "Belang: “3,5” is geen heel getal van 1 tot en met 5." in rows[2].errors
    with pytest.raises(ValidationError):
        services.needs_import_create(analysis=analysis, rows=rows, actor=asked.owner)


def _previewed(client, asked, manager, learner, other_learner):
    client.force_login(manager)
    analysis = asked.needs_analyses.get()
    text = CSV.format(a=learner.email, b=other_learner.email)
    file = spreadsheets.csv(text, name="behoefte.csv", encoding="cp1252")
    client.post(reverse("programs:needs-import", args=[analysis.pk]), {"file": file})
    url = reverse("programs:needs-import-confirm", args=[analysis.pk])
    return url, {"token": NeedsImport.objects.get().token}


def test_someone_answering_after_the_preview_changes_the_list_and_nothing_is_imported(
    client, asked, manager, learner, other_learner
):
    url, data = _previewed(client, asked, manager, learner, other_learner)
    answer(other_learner, asked, [(1, 1), (1, 1), (1, 1)])
    response = client.post(url, data, follow=True)
    assert "De lijst is veranderd sinds de voorvertoning." in response.content.decode()
    assert not NeedsRating.objects.filter(source=Source.IMPORT).exists()
    assert NeedsImport.objects.get().imported_at is None


def test_an_answer_slipping_in_while_importing_is_a_message_not_an_error(
    client, asked, manager, learner, other_learner, monkeypatch
):
    """An answer saved between the import's last check and its save (the round's lock keeps
    answers out; this forces one in) is refused by the database: a message, nothing written."""
    url, data = _previewed(client, asked, manager, learner, other_learner)
    checked = imports.check_rows

    def check_then_answer(rows, analysis):
        rows = checked(rows, analysis)
        request = NeedsRequest.objects.get(person=other_learner)
        NeedsRating.objects.create(
            request=request,
            goal=goals(asked)[2],
            importance=1,
            ability=1,
            source=Source.SELF,
            rated_by=other_learner,
        )
        return rows

    monkeypatch.setattr(services.imports, "check_rows", check_then_answer)
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "De lijst is veranderd sinds de voorvertoning." in response.content.decode()
    assert not NeedsRating.objects.exists()
    assert NeedsImport.objects.get().imported_at is None


def test_a_closed_round_after_and_an_archived_programs_rounds_take_no_answers(asked, team, manager):
    for person in team[:3]:
        answer(person, asked, [(5, 5), (2, 3), (5, 1)])
    asked.status = ProgramStatus.ACTIVE
    asked.save()
    assert services.round_to_start(asked) == Round.AFTER
    services.needs_analysis_ask(actor=manager, program=asked, people=team[:2])
    close(asked, Round.AFTER)
    assert services.round_to_start(asked) is None
    request = NeedsRequest.objects.get(person=team[0], analysis__round=Round.AFTER)
    with pytest.raises(ValidationError, match="gesloten"):
        services.needs_answer(actor=team[0], request=request, answers={})
    with pytest.raises(ValidationError, match="gesloten"):
        services.needs_analysis_ask(actor=manager, program=asked, people=team[2:])

    other = ProgramFactory(organization=asked.organization, owner=manager, status="draft")
    LearningGoalFactory(program=other)
    services.needs_analysis_ask(actor=manager, program=other, people=team[:1])
    other.status = ProgramStatus.ACTIVE
    other.save()
    services.needs_analysis_ask(actor=manager, program=other, people=team[:1])
    other.status = ProgramStatus.ARCHIVED
    other.save()
    for analysis in other.needs_analyses.all():
        assert not analysis.accepts_answers
    assert services.round_to_start(other) is None


def test_asking_more_people_than_the_limit_at_once_is_a_clear_form_error(
    client, asked, manager, organization, monkeypatch
):
    monkeypatch.setattr("programs.needs.forms.MAX_PEOPLE", 3)
    monkeypatch.setattr(services, "MAX_PEOPLE", 3)
    client.force_login(manager)
    form = client.get(reverse("programs:needs-ask", args=[asked.pk])).content.decode()
    assert "— kies een team —" in form
    response = client.post(reverse("programs:needs-ask", args=[asked.pk]), {"team": "Orderpicking"})
    assert "Vraag hoogstens 3 mensen tegelijk." in response.content.decode()
    assert NeedsRequest.objects.count() == 4  # those asked by the fixture, no more


def test_the_template_names_the_goals_by_number(client, asked, manager):
    import io

    import openpyxl

    client.force_login(manager)
    analysis = asked.needs_analyses.get()
    response = client.get(reverse("programs:needs-import-template", args=[analysis.pk]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    notes = [row[0] for row in book.worksheets[1].iter_rows(values_only=True)]
    assert "2. Pallets stapelen" in notes
    assert [c.value for c in book.worksheets[0][1]] == [
        "E-mailadres",
        "Leerdoel",
        "Belang",
        "Kunnen nu",
    ]


# --- bounded pages ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 40])
def test_the_overview_reads_the_same_queries_for_few_and_many_people(
    client, manager, draft, organization, django_assert_num_queries, size
):
    people = [MembershipFactory(organization=organization).user for _ in range(size)]
    services.needs_analysis_ask(actor=manager, program=draft, people=people)
    for person in people:
        answer(person, draft, [(4, 2), (3, 3), (5, 1)])
    close(draft)
    client.force_login(manager)
    url = reverse("programs:needs", args=[draft.pk])
    client.get(url)
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.content.decode().count('class="list-group-item') == min(size, 25)


@pytest.mark.parametrize("size", [2, 30])
def test_ones_own_list_reads_the_same_queries_for_few_and_many_requests(
    client, manager, organization, learner, django_assert_num_queries, size
):
    for _ in range(size):
        program = ProgramFactory(organization=organization, owner=manager, status="draft")
        LearningGoalFactory(program=program)
        services.needs_analysis_ask(actor=manager, program=program, people=[learner])
    client.force_login(learner)
    url = reverse("programs:needs-requests")
    client.get(url)
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.content.decode().count("te beantwoorden<") == min(size, 20)


@pytest.mark.parametrize("size", [3, 30])
def test_the_program_page_shows_the_largest_gaps_in_the_same_queries(
    client, manager, draft, organization, django_assert_num_queries, size
):
    people = [MembershipFactory(organization=organization).user for _ in range(size)]
    services.needs_analysis_ask(actor=manager, program=draft, people=people)
    for person in people:
        answer(person, draft, [(4, 2), (3, 3), (5, 1)])
    close(draft)
    client.force_login(manager)
    url = reverse("programs:detail", args=[draft.pk])
    client.get(url)
    # the program page's 12 less the page of groups (it has none), and the goals' averages
    with django_assert_num_queries(12):
        content = client.get(url).content.decode()
    panel = content[content.index('id="needs-heading"') :]
    assert panel.index("Scanner gebruiken") < panel.index("Veilig rijden")
    assert f"{size} van {size} mensen hebben geantwoord" in panel


# --- personal data ----------------------------------------------------------------------


def test_ones_download_holds_ones_own_ratings_and_the_erasure_keeps_the_averages(
    client, asked, team, manager, learner
):
    import csv
    import io
    import zipfile

    from werkplek import personal_data

    for person in team[:3]:
        answer(person, asked, [(5, 5), (2, 3), (5, 1)])
    client.force_login(learner)
    response = client.get(reverse("personal-data-export"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    text = archive.read(next(n for n in names if n.endswith("needs_ratings.csv"))).decode()
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert sorted((r["goal__title"], r["importance"], r["ability"]) for r in rows) == [
        ("Pallets stapelen", "2", "3"),
        ("Scanner gebruiken", "5", "1"),
        ("Veilig rijden", "5", "5"),
    ]
    assert any(n.endswith("needs_requests.csv") for n in names)

    before = [(row.goal, row.before.gap) for row in selectors.goal_needs(asked)]
    personal_data.person_erase(actor=manager, person=learner)
    assert [(row.goal, row.before.gap) for row in selectors.goal_needs(asked)] == before


def test_the_overview_is_as_large_for_forty_people_as_for_thirty(
    client, manager, draft, organization
):
    """One page of 25 names whatever the number asked: the HTML does not grow."""

    def ask(numbers):
        people = [
            MembershipFactory(organization=organization, user__name=f"Persoon {n:03d}").user
            for n in numbers
        ]
        # Not answered: while the round is open, those are the names listed.
        services.needs_analysis_ask(actor=manager, program=draft, people=people)

    client.force_login(manager)
    url = reverse("programs:needs", args=[draft.pk])
    ask(range(30))
    thirty = len(client.get(url).content)
    ask(range(30, 40))
    assert len(client.get(url).content) == thirty
