"""Program evaluation: learners evaluate at the end (and halfway when the program asks),
coaches once per group, and L&D managers read the results per program and group, with
nothing shown below the program's minimum number of answers."""

import datetime
import io
import json
import uuid
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coaching import evaluations
from coaching.choices import EvaluationMoment
from coaching.forms import EvaluationForm
from coaching.models import EvaluationScore, ProgramEvaluation
from programs import services as program_services
from programs.choices import EndReason, EvaluationAudience
from programs.models import Enrolment, EvaluationQuestion, Program
from programs.selectors import evaluation_questions
from tests.factories import CohortFactory, EnrolmentFactory, PairingFactory
from werkplek import personal_data
from werkplek.lib.forms import SUBMISSION_TOKEN
from werkplek.models import OutboxMessage

pytestmark = pytest.mark.django_db

DEFAULT_STATEMENTS = 4  # the default set for learners (programs.selectors.DEFAULT_EVALUATION)
TOO_FEW = "Te weinig antwoorden om te tonen"
DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


def end(enrolment, manager, reason=EndReason.STOPPED):
    return program_services.enrolment_end(
        actor=manager, enrolment=enrolment, reason=reason, ended_on=today()
    )


def learner_answers(cohort, manager, *, scores, open_answer="", count=1, names=()):
    """`count` learners of `cohort` (named `names`, if given) whose enrolment ended today,
    each evaluating it."""
    for index in range(count):
        enrolment = EnrolmentFactory(cohort=cohort, started_on=today() - datetime.timedelta(30))
        if names:
            enrolment.learner.name = names[index]
            enrolment.learner.save(update_fields=["name"])
        end(enrolment, manager)
        evaluations.learner_evaluation_submit(
            actor=enrolment.learner, enrolment=enrolment, scores=scores, open_answer=open_answer
        )


def form_data(scores, open_answer=""):
    data = {f"score_{index}": str(score) for index, score in enumerate(scores)}
    return {**data, "open_answer": open_answer, SUBMISSION_TOKEN: str(uuid.uuid4())}


@pytest.fixture
def started(enrolment):
    """The enrolment began 30 days ago and runs 42 days: its halfway day has passed."""
    enrolment.started_on = today() - datetime.timedelta(days=30)
    enrolment.target_on = enrolment.started_on + datetime.timedelta(weeks=6)
    enrolment.save()
    return enrolment


# --- Asking ------------------------------------------------------------------------------


def test_ending_an_enrolment_asks_the_learner_and_their_coach_once(
    started, manager, learner, coach
):
    end(started, manager)

    asked = OutboxMessage.objects.filter(kind=evaluations.EVALUATION_ASKED)
    assert sorted(asked.values_list("recipient", flat=True)) == sorted([learner.pk, coach.pk])


def test_a_learner_who_left_the_organisation_is_not_asked(started, manager):
    end(started, manager, reason=EndReason.LEFT_ORGANISATION)
    assert not OutboxMessage.objects.filter(kind=evaluations.EVALUATION_ASKED).exists()


def test_the_request_mail_links_to_the_evaluation_and_is_cancelled_once_answered(
    started, manager, learner, deliver_outbox
):
    end(started, manager)
    sent = deliver_outbox()
    to_learner = next(m for m in sent if m.to == [learner.email])
    assert reverse("coaching:evaluation-learner", args=[started.pk]) in to_learner.body

    started.refresh_from_db()
    assert evaluations.open_moment(started, today=today()) == EvaluationMoment.END
    evaluations.learner_evaluation_submit(
        actor=learner, enrolment=started, scores=[4] * DEFAULT_STATEMENTS, open_answer=""
    )
    message = OutboxMessage.objects.get(recipient=learner, kind=evaluations.EVALUATION_ASKED)
    assert evaluations.render_evaluation_asked(message) is None


def test_halfway_is_asked_once_only_in_programs_that_ask_it(started, program, learner):
    assert evaluations.ask_halfway(on=evaluations.halfway_on(started)) == 0
    program.evaluate_halfway = True
    program.save()

    halfway = evaluations.halfway_on(started)
    assert evaluations.ask_halfway(on=halfway - datetime.timedelta(days=1)) == 0
    assert evaluations.ask_halfway(on=halfway) == 1
    assert evaluations.ask_halfway(on=halfway + datetime.timedelta(days=1)) == 0
    assert OutboxMessage.objects.get(kind=evaluations.EVALUATION_ASKED).recipient == learner


def test_the_database_finds_the_same_halfway_day_for_odd_and_even_lengths(cohort):
    start = datetime.date(2026, 2, 27)  # across the end of February
    for days in range(15):
        EnrolmentFactory(cohort=cohort, started_on=start, target_on=start + days * DAY)

    found = Enrolment.objects.annotate(halfway=evaluations.HalfwayOn()).order_by("target_on")
    assert [(e.halfway, evaluations.halfway_on(e)) for e in found] == [
        (start + days // 2 * DAY, start + days // 2 * DAY) for days in range(15)
    ]


def test_halfway_asks_the_same_enrolments_on_each_day_as_before(program, cohort):
    """The job filters the halfway day in its query; it asks whom it asked when it read
    every running enrolment and compared each one's halfway day in Python."""
    program.evaluate_halfway = True
    program.save()
    start = datetime.date(2026, 3, 2)
    enrolments = [
        EnrolmentFactory(cohort=cohort, started_on=start + first * DAY, target_on=end_on)
        for first in (0, 1)
        for end_on in [start + days * DAY for days in range(2, 20)]
    ]

    def asked_before(enrolment, on):
        halfway = enrolment.started_on + (enrolment.target_on - enrolment.started_on) / 2
        return (
            enrolment.started_on <= on < enrolment.target_on
            and on - evaluations.HALFWAY_GRACE <= halfway <= on
        )

    for on in [start + days * DAY for days in range(-1, 22)]:
        OutboxMessage.objects.all().delete()
        evaluations.ask_halfway(on=on)
        asked = OutboxMessage.objects.filter(kind=evaluations.EVALUATION_ASKED)
        assert sorted(m.context["enrolment"] for m in asked) == sorted(
            e.pk for e in enrolments if asked_before(e, on)
        ), on


# --- Answering ---------------------------------------------------------------------------


def test_the_learner_answers_the_end_evaluation_from_the_card_on_their_progress_page(
    client, started, manager, learner
):
    end(started, manager)
    client.force_login(learner)
    page = client.get(reverse("coaching:progress", args=[started.pk]))
    assert "Evalueer het programma" in page.text

    url = reverse("coaching:evaluation-learner", args=[started.pk])
    form = client.get(url)
    assert "Het programma hielp me in mijn werk." in form.text
    response = client.post(url, form_data([5, 4, 4, 3], "Meer tijd in de koelcel."))

    assert response.status_code == 302
    evaluation = ProgramEvaluation.objects.get()
    assert (evaluation.moment, evaluation.open_answer) == ("end", "Meer tijd in de koelcel.")
    assert list(evaluation.scores.values_list("score", flat=True)) == [5, 4, 4, 3]
    page = client.get(reverse("coaching:progress", args=[started.pk]))
    assert "Evalueer het programma" not in page.text


def test_a_missing_rating_is_a_form_error_that_keeps_what_was_typed(
    client, started, manager, learner
):
    end(started, manager)
    client.force_login(learner)
    url = reverse("coaching:evaluation-learner", args=[started.pk])
    data = form_data([5, 4, 4], "Meer oefenen")  # the fourth statement is not rated
    response = client.post(url, data)

    assert response.status_code == 200
    assert "Kies van 1 (oneens) tot 5 (eens)." in response.text
    assert "Meer oefenen" in response.text
    assert not ProgramEvaluation.objects.exists()


def test_the_form_offers_exactly_the_ratings_a_score_may_hold(program):
    form = EvaluationForm(questions=evaluation_questions(program, EvaluationAudience.LEARNER))
    score = EvaluationScore._meta.get_field("score")

    def accepted(value):
        try:
            score.run_validators(value)
        except ValidationError:
            return False
        return True

    offered = [value for value, _label in form.fields["score_0"].choices]
    assert offered == [value for value in range(-1, 8) if accepted(value)] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("score", ["0", "6", "x", "99999999999999999999"])
def test_a_rating_outside_1_to_5_is_refused(client, started, manager, learner, score):
    end(started, manager)
    client.force_login(learner)
    data = {**form_data([5, 4, 4, 4]), "score_0": score}
    response = client.post(reverse("coaching:evaluation-learner", args=[started.pk]), data)
    assert response.status_code == 200
    assert not ProgramEvaluation.objects.exists()


def test_a_second_evaluation_of_the_same_moment_is_refused(client, started, manager, learner):
    end(started, manager)
    client.force_login(learner)
    url = reverse("coaching:evaluation-learner", args=[started.pk])
    client.post(url, form_data([5, 4, 4, 3]))

    again = client.post(url, form_data([1, 1, 1, 1]), follow=True)
    assert "Je hebt dit programma al geëvalueerd." in again.text
    with pytest.raises(ValidationError):
        evaluations.learner_evaluation_submit(
            actor=learner, enrolment=started, scores=[1] * 4, open_answer=""
        )
    assert ProgramEvaluation.objects.count() == 1


def test_the_database_holds_one_answer_per_enrolment_and_moment(started, manager, learner):
    end(started, manager)
    evaluations.learner_evaluation_submit(
        actor=learner, enrolment=started, scores=[3] * 4, open_answer=""
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgramEvaluation.objects.create(
            cohort=started.cohort,
            enrolment=started,
            respondent=learner,
            audience=EvaluationAudience.LEARNER,
            moment=EvaluationMoment.END,
        )


def test_a_running_enrolment_has_no_evaluation_until_halfway_if_the_program_asks(
    client, started, program, learner
):
    client.force_login(learner)
    url = reverse("coaching:evaluation-learner", args=[started.pk])
    assert client.get(url).status_code == 404

    program.evaluate_halfway = True
    program.save()
    page = client.get(reverse("coaching:progress", args=[started.pk]))
    assert "Je bent halverwege" in page.text
    client.post(url, form_data([4, 4, 4, 4]))
    assert ProgramEvaluation.objects.get().moment == EvaluationMoment.HALFWAY


def test_only_the_learner_answers_their_evaluation(client, started, manager, coach):
    end(started, manager)
    url = reverse("coaching:evaluation-learner", args=[started.pk])
    for person in (coach, manager):
        client.force_login(person)
        assert client.get(url).status_code == 404


def test_a_coach_evaluates_the_program_once_per_group(
    client, started, other_enrolment, manager, coach
):
    end(started, manager)
    client.force_login(coach)
    home = client.get(reverse("coaching:home"))
    url = reverse("coaching:evaluation-coach", args=[started.cohort_id])
    assert url in home.text

    response = client.post(url, form_data([4, 3, 5], "Meer tijd om te coachen."))
    assert response.status_code == 302
    evaluation = ProgramEvaluation.objects.get(audience=EvaluationAudience.COACH)
    assert evaluation.respondent == coach and evaluation.enrolment is None
    assert url not in client.get(reverse("coaching:home")).text
    again = client.post(url, form_data([1, 1, 1]), follow=True)
    assert "Je hebt dit programma al geëvalueerd." in again.text
    assert ProgramEvaluation.objects.count() == 1


def test_a_coach_of_another_learner_has_no_evaluation_of_the_group_yet(
    client, started, other_enrolment, manager, other_coach
):
    end(started, manager)
    client.force_login(other_coach)
    url = reverse("coaching:evaluation-coach", args=[started.cohort_id])
    assert client.get(url).status_code == 404


# --- The program's questions ---------------------------------------------------------------


def test_the_manager_sets_the_questions_and_learners_answer_those(
    client, started, program, manager, learner
):
    client.force_login(manager)
    url = reverse("programs:evaluation-settings", args=[program.pk])
    data = {
        "learner_questions": "Ik kan nu zelfstandig picken.\nMijn coach was er als het nodig was.",
        "learner_open_question": "Wat moet blijven?",
        "coach_questions": "De lerende was goed voorbereid.",
        "coach_open_question": "",
        "evaluate_halfway": "on",
        "min_answers": "6",
    }
    assert client.post(url, data).status_code == 302
    program.refresh_from_db()
    assert program.evaluate_halfway and program.evaluation_min_answers == 6

    client.force_login(learner)
    form = client.get(reverse("coaching:evaluation-learner", args=[started.pk]))
    assert "Ik kan nu zelfstandig picken." in form.text
    assert "Wat moet blijven?" in form.text
    assert "Het programma hielp me in mijn werk." not in form.text


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"learner_questions": ""}, "Dit veld is verplicht."),
        ({"coach_questions": "\n".join(f"Vraag {n}" for n in range(9))}, "hoogstens 8"),
        ({"min_answers": "2"}, "minstens 3"),
        ({"learner_questions": "x" * 301}, "Houd elke vraag onder de 300 tekens."),
    ],
)
def test_bad_evaluation_settings_are_refused_with_what_was_typed_kept(
    client, program, manager, changed, message
):
    client.force_login(manager)
    data = {
        "learner_questions": "Goed programma",
        "learner_open_question": "Wat nog?",
        "coach_questions": "Goed voorbereid",
        "coach_open_question": "",
        "min_answers": "5",
        **changed,
    }
    response = client.post(reverse("programs:evaluation-settings", args=[program.pk]), data)
    assert response.status_code == 200
    assert message in response.text
    assert "Wat nog?" in response.text
    assert not program.evaluation_questions.exists()


def test_the_programs_history_names_who_changed_its_evaluation_questions(client, program, manager):
    program_services.evaluation_settings_set(
        program=program,
        actor=manager,
        learner_questions=["Duidelijke leerdoelen"],
        learner_open_question="",
        coach_questions=["Haalbaar"],
        coach_open_question="",
        evaluate_halfway=True,
        min_answers=5,
    )
    client.force_login(manager)
    page = client.get(reverse("programs:history", args=[program.pk])).text
    assert "Duidelijke leerdoelen" in page and manager.name in page


def test_saving_unchanged_evaluation_settings_changes_nothing_and_an_edit_stays_in_place(
    program, manager
):
    def save(learner_questions):
        program_services.evaluation_settings_set(
            program=program,
            actor=manager,
            learner_questions=learner_questions,
            learner_open_question="Wat nog?",
            coach_questions=["Haalbaar"],
            coach_open_question="",
            evaluate_halfway=True,
            min_answers=5,
        )

    def trail():
        return EvaluationQuestion.history.count(), Program.history.count()

    save(["Duidelijk", "Nuttig"])
    rows = dict(program.evaluation_questions.values_list("text", "pk"))
    before = trail()
    save(["Duidelijk", "Nuttig"])
    assert trail() == before
    assert dict(program.evaluation_questions.values_list("text", "pk")) == rows

    save(["Duidelijk", "Heel nuttig"])
    edited = dict(program.evaluation_questions.values_list("text", "pk"))
    assert edited["Heel nuttig"] == rows["Nuttig"] and edited["Duidelijk"] == rows["Duidelijk"]
    assert trail() == (before[0] + 1, before[1])


def test_a_duplicated_program_keeps_its_evaluation_questions(program, manager):
    program_services.evaluation_settings_set(
        program=program,
        actor=manager,
        learner_questions=["Duidelijk"],
        learner_open_question="Wat nog?",
        coach_questions=["Haalbaar"],
        coach_open_question="",
        evaluate_halfway=False,
        min_answers=5,
    )
    copy = program_services.program_duplicate(
        program=program, name="Kopie", owner=manager, actor=manager
    )
    assert sorted(copy.evaluation_questions.values_list("text", flat=True)) == [
        "Duidelijk",
        "Haalbaar",
        "Wat nog?",
    ]


# --- Results ---------------------------------------------------------------------------------


def test_a_new_program_shows_results_from_five_people_the_default_the_kpis_share(program, settings):
    assert program.evaluation_min_answers == settings.MIN_GROUP_SIZE_DEFAULT == 5


def test_results_below_the_minimum_show_only_the_count(client, cohort, manager):
    learner_answers(cohort, manager, scores=[5, 5, 5, 5], open_answer="Geheim", count=4)
    client.force_login(manager)
    page = client.get(reverse("coaching:evaluation-results", args=[cohort.program_id]))

    assert TOO_FEW in page.text
    assert "Minder dan 5 mensen antwoordden" in page.text
    assert "4 antwoorden" not in page.text and "4 mensen" not in page.text
    assert "Geheim" not in page.text
    assert "Het programma hielp me in mijn werk." not in page.text


def test_results_from_the_minimum_show_means_spread_and_open_answers_without_names(
    client, cohort, manager
):
    names = ["Anouk de Vries", "Bram Jansen", "Chantal Bakker", "Daan Visser", "Eva Smit"]
    learner_answers(
        cohort, manager, scores=[5, 4, 3, 2], open_answer="Meer oefenen", count=3, names=names
    )
    learner_answers(cohort, manager, scores=[3, 4, 3, 2], count=2, names=names[3:])
    client.force_login(manager)
    page = client.get(reverse("coaching:evaluation-results", args=[cohort.program_id]))

    assert TOO_FEW not in page.text
    results = page.context["results"]
    first = results.questions[0]
    assert (first.question, first.count, first.mean) == (
        "Het programma hielp me in mijn werk.",
        5,
        4.2,
    )
    assert first.counts == [0, 0, 2, 0, 3]
    assert "4,2" in page.text
    assert ">5 · eens<" in page.text and ">1 · oneens<" in page.text
    assert page.text.count("Meer oefenen") == 3
    for name in names:
        assert name not in page.text


def test_a_group_below_the_minimum_cannot_be_worked_out_from_the_program(client, program, manager):
    big, small = (
        CohortFactory(program=program, name="Voorjaar"),
        CohortFactory(program=program, name="Najaar"),
    )
    learner_answers(big, manager, scores=[4, 4, 4, 4], count=5)
    learner_answers(small, manager, scores=[1, 1, 1, 1], open_answer="Slecht", count=2)
    client.force_login(manager)
    url = reverse("coaching:evaluation-results", args=[program.pk])

    page = client.get(url)
    # The program shows only what the big group shows: nothing of the small one to subtract.
    assert [q.counts for q in page.context["results"].questions] == [[0, 0, 0, 5, 0]] * 4
    assert "Slecht" not in page.text
    assert "Groepen met te weinig antwoorden tellen niet mee" in page.text
    assert "5 mensen antwoordden" in page.text
    small_row = page.text.split("Najaar")[1].split("</tr>")[0]
    assert "minder dan 5" in small_row and ">2<" not in small_row
    assert TOO_FEW in client.get(url, {"group": small.pk}).text
    assert "Slecht" not in client.get(url, {"group": small.pk}).text
    assert TOO_FEW not in client.get(url, {"group": big.pk}).text


def test_coaches_results_count_apart_from_learners(client, started, manager, coach):
    end(started, manager)
    evaluations.coach_evaluation_submit(
        actor=coach, cohort=started.cohort, scores=[4, 4, 4], open_answer=""
    )
    client.force_login(manager)
    url = reverse("coaching:evaluation-results", args=[started.cohort.program_id])
    results = client.get(url, {"audience": "coach"}).context["results"]
    assert not results.shown and results.groups_left_out


def test_a_coach_of_five_groups_counts_as_one_person(client, program, manager, coach):
    for index in range(5):
        cohort = CohortFactory(program=program, name=f"Groep {index}")
        enrolment = EnrolmentFactory(cohort=cohort, started_on=today() - datetime.timedelta(30))
        PairingFactory(enrolment=enrolment, coach=coach, started_on=enrolment.started_on)
        end(enrolment, manager)
        evaluations.coach_evaluation_submit(
            actor=coach, cohort=cohort, scores=[2, 2, 2], open_answer="Alleen ik"
        )
    client.force_login(manager)
    url = reverse("coaching:evaluation-results", args=[program.pk])
    page = client.get(url, {"audience": "coach"})

    assert TOO_FEW in page.text
    assert "Alleen ik" not in page.text


def test_a_statement_fewer_than_the_minimum_rated_stays_hidden(client, cohort, manager):
    program = cohort.program
    asked = evaluation_questions(program, EvaluationAudience.LEARNER).statements
    learner_answers(cohort, manager, scores=[4] * len(asked), count=5)
    program_services.evaluation_settings_set(
        program=program,
        actor=manager,
        learner_questions=[*asked, "Nieuwe vraag"],
        learner_open_question="",
        coach_questions=["Haalbaar"],
        coach_open_question="",
        evaluate_halfway=False,
        min_answers=5,
    )
    learner_answers(cohort, manager, scores=[4] * len(asked) + [1], count=1)
    client.force_login(manager)
    page = client.get(reverse("coaching:evaluation-results", args=[program.pk]))

    shown = [question.question for question in page.context["results"].questions]
    assert shown == asked
    assert "Nieuwe vraag" not in page.text
    assert "1 stelling staat er niet bij: te weinig mensen gaven er een cijfer voor." in page.text


def test_open_answers_are_listed_alphabetically_not_newest_first(client, cohort, manager):
    for text in ["Cijfer", "Appel", "Eend", "Banaan", "Dadel"]:
        learner_answers(cohort, manager, scores=[3, 3, 3, 3], open_answer=text)
    client.force_login(manager)
    page = client.get(reverse("coaching:evaluation-results", args=[cohort.program_id]))
    assert page.context["results"].open_answers == ["Appel", "Banaan", "Cijfer", "Dadel", "Eend"]


def test_results_are_for_the_programs_managers_only(
    client, cohort, other_manager, coach, learner, line_manager
):
    url = reverse("coaching:evaluation-results", args=[cohort.program_id])
    for person in (other_manager, coach, learner, line_manager):
        client.force_login(person)
        assert client.get(url).status_code == 404


def test_a_group_of_another_program_is_404(client, cohort, manager, organization):
    other = CohortFactory(program__organization=organization)
    client.force_login(manager)
    url = reverse("coaching:evaluation-results", args=[cohort.program_id])
    assert client.get(url, {"group": other.pk}).status_code == 404
    assert client.get(url, {"group": "x"}).status_code == 404
    assert client.get(url, {"audience": "iedereen"}).status_code == 200


@pytest.mark.parametrize("size", [5, 40])
def test_the_results_page_costs_the_same_for_few_and_many_answers(
    client, program, manager, django_assert_num_queries, size
):
    for index in range(size // 5 + 1):
        cohort = CohortFactory(program=program, name=f"Groep {index}")
        learner_answers(cohort, manager, scores=[4, 3, 5, 2], open_answer="Goed", count=5)
    client.force_login(manager)
    url = reverse("coaching:evaluation-results", args=[program.pk])
    # session, user, program, whether groups are left out, the people, ended enrolments,
    # ratings per group and question, open answers, the groups' count and page, the bell's
    # unread count, roles in the navigation
    with django_assert_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["results"].open_answers) <= evaluations.MAX_OPEN_ANSWERS


# --- Personal data ---------------------------------------------------------------------------


def test_erasing_a_learner_removes_their_open_answer_and_keeps_the_ratings(
    manager, started, learner
):
    end(started, manager)
    evaluations.learner_evaluation_submit(
        actor=learner, enrolment=started, scores=[5, 4, 3, 2], open_answer="Te druk op de vloer"
    )
    personal_data.person_erase(actor=manager, person=learner)
    evaluation = ProgramEvaluation.objects.get()
    assert evaluation.open_answer != "Te druk op de vloer"
    assert not ProgramEvaluation.history.filter(open_answer="Te druk op de vloer").exists()
    assert EvaluationScore.objects.filter(evaluation=evaluation).count() == 4


def test_the_learners_own_evaluation_is_in_their_data_download(client, started, manager, learner):
    end(started, manager)
    evaluations.learner_evaluation_submit(
        actor=learner, enrolment=started, scores=[5, 4, 3, 2], open_answer="Prima"
    )
    client.force_login(learner)
    response = client.get(reverse("personal-data-export"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    answered = json.loads(archive.read("coaching/program_evaluations.json"))
    assert [row["open_answer"] for row in answered] == ["Prima"]
    scores = json.loads(archive.read("coaching/program_evaluation_scores.json"))
    assert [row["score"] for row in scores] == [5, 4, 3, 2]
