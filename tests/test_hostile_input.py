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

import codecs
import datetime
import functools
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms import BaseForm
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.programs import spreadsheets
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
        "programs:coach-profile": {
            "course": "Werkbegeleider BPV",
            "provider": "ROC Midden",
            "completed_on": _today(),
        },
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
        "coaching:review-plan": {"planned_on": _today()},
        "coaching:review-outcome": {"held_on": _today(), "outcome": "Loopt voor; koelcel erbij."},
        "coaching:review-comment": {"text": "Fijn dat de koelcel erbij komt."},
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
def dutch_texts() -> list[tuple[str, re.Pattern]]:
    """Every Dutch text in the catalogs (werkplek's and Django's) as a pattern with its
    placeholders as wildcards, and its longest fixed part (to try only texts that have it)."""
    catalog = translation.trans_real.translation("nl")._catalog
    texts = []
    for text in {text for part in catalog._catalogs for text in part.values() if text}:
        fixed = PLACEHOLDER.split(text.replace("%%", "%"))
        if len("".join(fixed).strip(" .:,‘’“”")) < 3:
            continue  # "%(name)s" alone would match any message
        pattern = re.compile(".*".join(re.escape(part) for part in fixed), re.DOTALL)
        texts.append((max(fixed, key=len), pattern))
    return texts


def assert_dutch(message) -> None:
    """The message is a text of the Dutch catalog with its values filled in (a value may be
    another Dutch text, as in "Naam: …")."""
    message = str(message)
    assert any(
        fixed in message and pattern.fullmatch(message) for fixed, pattern in dutch_texts()
    ), f"not Dutch: {message[:200]!r}"


def messages_of(response) -> list[str]:
    found = []
    for form in _forms(response):
        for errors in form.errors.values():
            found += list(errors)
    refusal = response.context.get("refusal") if response.context else None
    if refusal:
        found.append(refusal)
    for row in (response.context.get("rows") if response.context else None) or []:
        found += list(row.errors)
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


# --- Files to the imports ---------------------------------------------------------------

IMPORTS = ("programs:cohort-import", "kpis:measurement-import")
LEARNERS = "E-mailadres;Naam;Team\n"
HOSTILE_FILES = {
    "empty.csv": b"",
    "utf16.csv": (LEARNERS + "anna@dc-noord.nl;Anna;Inbound\n").encode("utf-16"),
    # Windows-1252 with the five bytes it leaves undefined.
    "cp1252.csv": LEARNERS.encode() + b"ren\xe9@dc-noord.nl;Ren\xe9 \x81\x8d\x8f\x90\x9d;x\n",
    "formulas.csv": (
        LEARNERS + "=cmd|' /C calc'!A0;=HYPERLINK(\"http://x\");@SUM(1)\n"
        "+31612345678@dc-noord.nl;-2+3;\tInbound\n"
    ).encode(),
    "bidi.csv": (LEARNERS + "nina@dc-noord.nl;Nina\u202eevil;In\u2066bound\n").encode(),
    "bomb.xlsx": spreadsheets.xlsx_bomb(),
    "ten-megabyte-line.csv": b"a" * (10 * 2**20),
    "giant-cell.csv": LEARNERS.encode() + b"x" * 1_900_000 + b";Anna;\n",
    "garbage.csv": bytes(range(256)) * 64,
    "garbage.xlsx": b"PK\x03\x04" + bytes(range(256)) * 16,
    "garbage.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 16,
    "bom-only.csv": codecs.BOM_UTF8,
}
# A preview is kept until confirmed (or for a day): only a confirm writes people or values.
PREVIEWS = {"programs.LearnerImport", "kpis.MeasurementImport"}


def assert_upload_answered_in_dutch_writing_nothing(response, before) -> None:
    assert response.status_code in (200, 413)
    for message in messages_of(response):
        assert_dutch(message)
    assert set(changed_models(before, snapshot())) <= PREVIEWS
    if is_refused(response) or any(row.errors for row in response.context.get("rows") or []):
        assert changed_models(before, snapshot()) == []


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
@pytest.mark.parametrize("url_name", IMPORTS)
def test_a_hostile_file_gets_a_dutch_message_and_imports_nothing(
    client,
    scenario,  # noqa: F811
    url_name,
    name,
):
    url = url_for(url_name, scenario)
    client.force_login(scenario.actor("manager"))
    before = snapshot()
    response = client.post(
        url, {"file": SimpleUploadedFile(name, HOSTILE_FILES[name])}, HTTP_ACCEPT_LANGUAGE="nl"
    )
    assert_upload_answered_in_dutch_writing_nothing(response, before)
    assert messages_of(response) or response.context.get("rows")


def test_a_name_with_a_direction_override_is_a_row_error_in_the_learner_import(
    client,
    scenario,  # noqa: F811
):
    client.force_login(scenario.actor("manager"))
    response = client.post(
        url_for("programs:cohort-import", scenario),
        {"file": SimpleUploadedFile("bidi.csv", HOSTILE_FILES["bidi.csv"])},
        HTTP_ACCEPT_LANGUAGE="nl",
    )

    [row] = response.context["rows"]
    assert row.errors == [
        "Naam: Gebruik alleen letters, cijfers en leestekens: deze tekst bevat een onzichtbaar "
        "stuurteken of teken voor de schrijfrichting (U+202E).",
        "Team: Gebruik alleen letters, cijfers en leestekens: deze tekst bevat een onzichtbaar "
        "stuurteken of teken voor de schrijfrichting (U+2066).",
    ]
    assert response.context["preview"] is None


CSV_TEXT = st.text(
    alphabet=st.sampled_from(";,\t\n\r\"'=+-@ aé😀\x00\u202e0123456789-/@.") | st.characters(),
    max_size=300,
)


@pytest.mark.parametrize("url_name", IMPORTS)
def test_arbitrary_bytes_and_text_as_a_file_never_fail(
    client,
    scenario,  # noqa: F811
    url_name,
):
    url = url_for(url_name, scenario)
    manager = scenario.actor("manager")
    header = (LEARNERS if url_name == IMPORTS[0] else "E-mailadres;Periode;Waarde\n").encode()

    @settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        content=st.one_of(
            st.binary(max_size=2000),
            CSV_TEXT.map(lambda text: header + text.encode("utf-8", "surrogatepass")),
            CSV_TEXT.map(lambda text: header + text.encode("utf-16", "surrogatepass")),
        ),
        name=st.sampled_from(["lijst.csv", "lijst.xlsx", "lijst.ods", "lijst.xls", "lijst.txt"]),
    )
    def post(content, name):
        with transaction.atomic():
            client.force_login(manager)
            before = snapshot()
            response = client.post(
                url, {"file": SimpleUploadedFile(name, content)}, HTTP_ACCEPT_LANGUAGE="nl"
            )
            assert_upload_answered_in_dutch_writing_nothing(response, before)
            transaction.set_rollback(True)

    post()
