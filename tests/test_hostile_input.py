"""Hostile input to every form: arbitrary unicode, huge texts, control and text-direction
characters, numbers and lists where text is expected, fields left out; and malformed files
to both imports.

Every form is found through the permission matrix (every POST row that some actor may use),
and posted to as that actor, with a valid filling as a person would send it and some of its
fields replaced. The answer is a redirect (the form was fine), a form error with a Dutch
message (from the translation catalog), or a 4xx: never a server error. A refused post writes
nothing: every row of every app's table is as it was; an accepted one stores only what the
models' own validators accept (the length limits, names without hidden characters).

The budget is fixed (`max_examples`, derandomised), so CI always runs the same examples in
the same time.
"""

import datetime
import functools
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.db import transaction
from django.forms import BaseForm
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_permission_matrix import (  # noqa: F401 - `scenario` is a fixture
    ACTORS,
    LOGIN,
    MATRIX,
    POST,
    scenario,
    url_for,
)

APPS = ("werkplek", "programs", "coaching", "kpis")
ALLOWED = (200, 302)
# Posts that change who is signed in, or need a staff member: not a form of the product.
NOT_FORMS = {"logout", "admin:login", "admin:logout"}


def form_urls() -> dict[str, str]:
    """Every URL that takes a POST, with the actor (first in the matrix's order) who may."""
    urls = {}
    for (name, method), answers in MATRIX.items():
        if method != POST or name in NOT_FORMS:
            continue
        for actor, answer in zip(ACTORS, answers, strict=True):
            if answer in ALLOWED and answer != LOGIN:
                urls[name] = actor
                break
    return urls


FORM_URLS = form_urls()


# --- What a person would send -----------------------------------------------------------


def _today() -> str:
    return timezone.localdate().isoformat()


# A complete, valid post for the forms that start empty (create forms); edit forms are
# filled from the page itself. The hypothesis examples replace fields of these.
def valid_post(url_name: str, scenario) -> dict:  # noqa: F811
    people = scenario.people
    return {
        "preferences": {
            "name": "Lotte Leerling",
            "language": "nl",
            "time_zone": "Europe/Amsterdam",
        },
        "leave-create": {"starts_on": _today(), "ends_on": _today()},
        "login": {"username": "lotte@dc-noord.nl", "password": "fout"},
        "password_change": {
            "old_password": "fout",
            "new_password1": "Een-lang-wachtwoord-42",
            "new_password2": "Een-lang-wachtwoord-42",
        },
        "password_reset": {"email": "lotte@dc-noord.nl"},
        "password_reset_confirm": {"new_password1": "x", "new_password2": "x"},
        "language-switch": {"language": "nl", "next": "/"},
        "programs:create": {
            "name": "Nieuw programma",
            "description": "Wat het is.",
            "business_objective": "Zelfstandig binnen vier weken.",
            "owner": people["manager"].pk,
            "duration_weeks": "8",
            "feedback_every_days": "5",
            "reminder_rhythm": "after_feedback",
            "reminder_time": "09:00",
        },
        "programs:methods": {"name": "Meelopen"},
        "programs:duplicate": {"name": "Kopie"},
        "programs:goal-create": {
            "title": "Nieuw doel",
            "description": "Wat het is.",
            "success_criteria": "Wat de coach ziet.",
            "target_week": "2",
        },
        "programs:reflection-prompts": {"questions": "Wat ging goed?\nWat leerde je?"},
        "programs:cohort-create": {"name": "Groep 2", "starts_on": _today()},
        "programs:checklist-item-create": {"title": "Nieuwe taak"},
        "programs:status": {"status": "active"},
        "programs:goal-move": {"direction": "-1"},
        "programs:checklist-item-move": {"direction": "-1"},
        "programs:enrolment-end": {"reason": "stopped", "ended_on": _today()},
        "programs:cohort-close": {"reason": "stopped", "ended_on": _today()},
        "programs:cohort-import-confirm": {"token": "geen"},
        "programs:invitation-accept": {
            "name": "Nina Nieuw",
            "password1": "Een-lang-wachtwoord-42",
            "password2": "Een-lang-wachtwoord-42",
        },
        "coaching:feedback-create": {
            "occurred_on": _today(),
            "shift": "day",
            "went_well": "Rustig gescand.",
            f"practised_{scenario.goal.pk}": "on",
            f"level_{scenario.goal.pk}": "2",
        },
        "coaching:feedback-addendum": {"text": "Later gezien: ook goed."},
        "coaching:reflection-react": {"text": "Mooi zo."},
        "coaching:reflection-create": {"answer_0": "Het scannen ging sneller."},
        "coaching:reflection-link": {"answer_0": "Het scannen ging sneller."},
        "coaching:peer-request": {
            "peer": people["other_learner"].pk,
            "goal": scenario.goal.pk,
            "question": "Scan ik snel genoeg?",
        },
        "coaching:peer-give": {"text": "Je scant snel."},
        "kpis:create": {
            "name": "Orderfouten",
            "unit": "fouten",
            "direction": "lower",
            "decimals": "1",
            "subject_level": "organization",
            "cadence": "month",
        },
        "kpis:measurement-create": {"period": _today(), "value": "12,5"},
        "kpis:measurement-import-confirm": {"token": "geen"},
    }.get(url_name, {})


def _as_posted(value):
    if value is None or value is False:
        return None
    if value is True:
        return "on"
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _forms(response) -> list[BaseForm]:
    forms = []
    for context in response.context or []:
        for value in context.flatten().values():
            if isinstance(value, BaseForm) and value not in forms:
                forms.append(value)
    return forms


def page_filling(client, url: str) -> dict:
    """What the page's own forms hold before anything is typed: an edit form's values."""
    response = client.get(url)
    if response.status_code != 200:
        return {}
    filling = {}
    for form in _forms(response):
        for field in form:
            value = _as_posted(field.value())
            if value is not None:
                filling[field.html_name] = value
    return filling


# --- Hostile values -------------------------------------------------------------------

HIDDEN = "\x00\x01\x07\t\n\r\x1b\x7f\x85\x9b\u2028\u2029\u061c\u200e\u200f" + "".join(
    map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
)


class Long(str):
    """A long text that a failing example shows by its length, not in full."""

    def __new__(cls, character, count):
        text = super().__new__(cls, character * count)
        text.summary = f"Long({character!r}, {count})"
        return text

    def __repr__(self):
        return self.summary


texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(HIDDEN + "aé😀<>\"'=+-@"), min_size=1, max_size=20),
    st.sampled_from(
        [
            Long("x", 100_001),
            Long("é", 5_001),
            Long("😀", 4_001),
            "a\u202eevil.exe",
            '=HYPERLINK("http://x")',
            "<script>alert(1)</script>",
            "",
            " ",
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
values = st.one_of(texts, st.lists(texts, min_size=2, max_size=3))
MISSING = object()
changes = st.one_of(values, st.just(MISSING))


def hostile_post(filling: dict):
    """Some of the form's fields replaced by hostile values or left out, and perhaps a field
    the form does not have."""
    names = sorted(filling) or ["text"]
    return st.tuples(
        st.dictionaries(st.sampled_from(names), changes, min_size=1, max_size=len(names)),
        st.one_of(st.none(), st.tuples(st.sampled_from(["pk", "id", "form-0-x", "csrf"]), texts)),
    ).map(lambda parts: _apply(filling, *parts))


def _apply(filling, replaced, extra):
    data = dict(filling)
    for name, value in replaced.items():
        if value is MISSING:
            data.pop(name, None)
        else:
            data[name] = value
    if extra:
        data[extra[0]] = extra[1]
    return data


# --- What is in the database ------------------------------------------------------------


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every app's table."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for app in APPS
        for model in apps.get_app_config(app).get_models()
    }


def changed_models(before, after) -> list[str]:
    return [label for label in after if before[label] != after[label]]


def assert_stored_rows_are_valid(labels) -> None:
    """What an accepted post stored passes the models' own field checks (the audit
    trail's copies are checked through the rows they copy)."""
    for label in labels:
        model = apps.get_model(label)
        if model._meta.model_name.startswith("historical"):
            continue
        relations = [f.name for f in model._meta.get_fields() if f.is_relation]
        for row in model._base_manager.all():
            row.clean_fields(exclude=relations)


# --- Messages in Dutch ------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{[a-z_]*\}")


@functools.cache
def dutch_texts() -> dict[str, list[re.Pattern]]:
    """Every Dutch text in the catalogs (werkplek's and Django's) as a pattern, its
    placeholders as wildcards; filed under the text's first word, to try only a few."""
    catalog = translation.trans_real.translation("nl")._catalog
    patterns: dict[str, list[re.Pattern]] = {}
    for text in {text for part in catalog._catalogs for text in part.values() if text}:
        if len(PLACEHOLDER.sub("", text).strip(" .:,")) < 3:
            continue  # "%(name)s" alone would match any message
        parts = [re.escape(part) for part in PLACEHOLDER.split(text.replace("%%", "%"))]
        pattern = re.compile(".+".join(parts), re.DOTALL)
        first_word = "" if PLACEHOLDER.match(text) else text.split(" ", 1)[0]
        patterns.setdefault(first_word, []).append(pattern)
    return patterns


def assert_dutch(message) -> None:
    """The message is a text of the Dutch catalog, with its values filled in (a message
    may hold another, as "Naam: …" does: its first word, or a value it starts with)."""
    message = str(message)
    texts = dutch_texts()
    candidates = texts.get(message.split(" ", 1)[0], []) + texts.get("", [])
    assert any(p.fullmatch(message) for p in candidates), f"not Dutch: {message[:200]!r}"


def messages_of(response) -> list[str]:
    found = []
    for form in _forms(response):
        for errors in form.errors.values():
            found += list(errors)
    refusal = response.context.get("refusal") if response.context else None
    if refusal:
        found.append(refusal)
    found += [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    return found


def is_refused(response) -> bool:
    if response.status_code >= 400:
        return True
    if any(form.errors for form in _forms(response)):
        return True
    return bool(response.context and response.context.get("refusal"))


# --- The forms ----------------------------------------------------------------------------


def test_every_form_in_the_matrix_is_posted_to():
    """The list comes from the matrix: a new form is fuzzed as soon as it has its row."""
    assert len(FORM_URLS) >= 40
    assert "coaching:feedback-create" in FORM_URLS
    assert FORM_URLS["coaching:feedback-create"] == "coach"


@pytest.mark.parametrize("url_name", sorted(FORM_URLS))
def test_hostile_posts_get_a_dutch_form_error_or_are_stored_valid(
    client,
    scenario,  # noqa: F811
    url_name,
):
    actor = scenario.actor(FORM_URLS[url_name])
    url = url_for(url_name, scenario)

    def sign_in():
        client.cookies.clear()
        if actor is not None:
            client.force_login(actor)

    sign_in()
    before = snapshot()
    empty = client.post(url, {}, HTTP_ACCEPT_LANGUAGE="nl")
    if empty.status_code == 200 and not is_refused(empty):
        # A page that answers a post as a visit (a list, a detail page): no form to fill.
        assert changed_models(before, snapshot()) == []
        return
    filling = {**page_filling(client, url), **valid_post(url_name, scenario)}

    @settings(
        max_examples=10,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(data=hostile_post(filling))
    def post(data):
        with transaction.atomic():
            sign_in()
            before = snapshot()
            response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="nl")
            assert response.status_code in (200, 302, 400, 403, 404, 405, 413)
            after = snapshot()
            for message in messages_of(response):
                assert_dutch(message)
            if is_refused(response):
                assert changed_models(before, after) == []
            else:
                assert_stored_rows_are_valid(changed_models(before, after))
            transaction.set_rollback(True)

    post()
