"""An intruder's probe of the KPI pages and dashboards: every kpis URL × actor × method with
the ids of the actor's own organisation, of another organisation, of nothing at all, and the
query parameters people (and scripts) can type. Whoever may not see a thing gets 404 (never
403 or 500), an anonymous visitor is sent to log in, and no answer holds anything of an
organisation the actor does not manage. The count of requests is printed at the end."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from kpis import rollups
from kpis.choices import SubjectLevel
from kpis.models import MeasurementImport
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    KPIFactory,
    LearningGoalFactory,
    MeasurementFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Every name typed in organisation B holds this: no answer to anyone else may contain it.
SECRET = "GEHEIM-ORG-B"
HOSTILE = "<script>alert(1)</script>\"'\n\u202e<img src=x onerror=alert(2)>"
NONEXISTENT = 987654


@pytest.fixture
def world():
    today = timezone.localdate()
    org_a = OrganizationFactory(name="Org A", slug="org-a")
    org_b = OrganizationFactory(name=f"Org B {SECRET}", slug="org-b")
    actors = {
        "learner": MembershipFactory(organization=org_a, team="Team A").user,
        "coach": MembershipFactory(organization=org_a, is_coach=True, is_learner=False).user,
        "manager_a": MembershipFactory(organization=org_a, is_manager=True, is_learner=False).user,
        "manager_b": MembershipFactory(organization=org_b, is_manager=True, is_learner=False).user,
    }
    both = MembershipFactory(organization=org_a, is_manager=True, is_learner=False).user
    MembershipFactory(organization=org_b, user=both, is_manager=True, is_learner=False)
    actors["manager_both"] = both
    actors["ex_manager"] = MembershipFactory(
        organization=org_a,
        is_manager=True,
        is_learner=False,
        ended_on=today - datetime.timedelta(days=1),
    ).user
    actors["superuser"] = UserFactory(is_staff=True, is_superuser=True)
    objects = {}
    for key, org in (("a", org_a), ("b", org_b)):
        marker = SECRET if key == "b" else "A"
        program = ProgramFactory(organization=org, name=f"Programma {marker} {HOSTILE}")
        LearningGoalFactory(program=program, title=f"Doel {marker} {HOSTILE}")
        cohort = CohortFactory(
            program=program,
            name=f"Groep {marker} {HOSTILE}",
            starts_on=today - datetime.timedelta(days=90),
        )
        kpi = KPIFactory(
            organization=org,
            program=program,
            name=f"KPI {marker} {HOSTILE}",
            unit=f"eenheid {marker}",
            subject_level=SubjectLevel.LEARNER,
            baseline_value=Decimal("10"),
            baseline_on=today - datetime.timedelta(days=200),
        )
        second = KPIFactory(organization=org, name=f"Tweede {marker}")
        MeasurementFactory(kpi=second, value=Decimal("71.5"), period_start=today.replace(day=1))
        learners = [MembershipFactory(organization=org).user for _ in range(3)]
        if key == "a":
            learners.append(actors["learner"])
        for person in learners:
            EnrolmentFactory(cohort=cohort, learner=person)
            MeasurementFactory(
                kpi=kpi,
                learner=person,
                value=Decimal("12.5"),
                period_start=today.replace(day=1),
            )
        objects[key] = {
            "org": org,
            "program": program,
            "kpi": kpi,
            "second": second,
            "import": MeasurementImport.objects.create(
                kpi=kpi, rows=[], created_by=actors[f"manager_{key}"]
            ),
            "second_import": MeasurementImport.objects.create(
                kpi=second, rows=[], created_by=actors[f"manager_{key}"]
            ),
        }
    rollups.rollup_all(on=today)
    return types_namespace(actors=actors, a=objects["a"], b=objects["b"])


def types_namespace(**kwargs):
    import types  # noqa: PLC0415 - only the fixture's container

    return types.SimpleNamespace(**kwargs)


# Which organisations each actor manages now.
MANAGES = {
    "anonymous": set(),
    "learner": set(),
    "coach": set(),
    "manager_a": {"a"},
    "manager_b": {"b"},
    "manager_both": {"a", "b"},
    "ex_manager": set(),
    "superuser": set(),
}
ID_URLS = (
    "kpis:detail",
    "kpis:update",
    "kpis:measurement-create",
    "kpis:measurement-import",
    "kpis:measurement-import-template",
    "kpis:measurement-import-confirm",
)
QUERIES = (
    "",
    "?page=-1",
    "?page=999999999999999999999",
    "?page=abc",
    "?format=csv&section=kpis",
    "?format=csv",
    "?format=xlsx",
    "?format=xlsx&section=levels",
    "?format=xlsx&section=programs",
    "?format=pdf",
    "?format=csv&section=unknown",
    "?format=xlsx&section=",
    "?format=csv&section=impact",
    "?section=kpis",
)


def _targets(world):
    """(url, owner key or None for nothing, GET-only?) for every kpis URL and object."""
    targets = []
    for key in ("a", "b", None):
        objects = getattr(world, key) if key else None
        for name in ID_URLS:
            for kind in ("kpi", "second"):
                pk = objects[kind].pk if objects else NONEXISTENT
                targets.append((reverse(name, args=[pk]), key))
        pk = objects["program"].pk if objects else NONEXISTENT
        targets.append((reverse("kpis:dashboard", args=[pk]), key))
        slug = objects["org"].slug if objects else "bestaat-niet"
        targets.append((reverse("kpis:organization-dashboard", args=[slug]), key))
    return targets


def _is_login(response) -> bool:
    login = resolve_url(settings.LOGIN_URL)
    return response.status_code == 302 and response["Location"].startswith(login + "?next=")


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    content = response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats-officedocument"):
        # The text of an XLSX sits zipped in sharedStrings.xml.
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            content = b"".join(book.read(name) for name in book.namelist())
    return content


def test_probe_every_kpis_url_actor_method_and_query(world, client, capsys):
    failures = []
    requests = 0
    for actor, manages in MANAGES.items():
        client.logout()
        if actor != "anonymous":
            client.force_login(world.actors[actor])
        for url, owner in _targets(world):
            # The query parameters matter to the pages that read them; the other methods
            # are sent once to every URL.
            # The pages that read query parameters get every variant from the managers, whose
            # answers depend on them; everyone else is turned away before they are read.
            if "/metingen/" in url:
                queries = ("",)
            elif manages:
                queries = QUERIES
            else:
                queries = ("", "?format=csv&section=kpis", "?format=xlsx")
            for query in queries:
                for method in ("get", "post", "put", "delete") if not query else ("get",):
                    data = {"token": world.b["import"].token} if method == "post" else None
                    response = getattr(client, method)(url + query, data)
                    requests += 1
                    status = response.status_code
                    where = f"{actor} {method.upper()} {url}{query} → {status}"
                    if status in (403, 500):
                        failures.append(where)
                    elif actor == "anonymous":
                        if not _is_login(response):
                            failures.append(where + " (not the login page)")
                    elif owner not in manages and status not in (404, 405):
                        failures.append(where + " (should be 404)")
                    if "b" not in manages and SECRET.encode() in _body(response):
                        failures.append(where + " (shows organisation B)")
    # The pages without an id: the list and the new KPI form.
    for actor, manages in MANAGES.items():
        client.logout()
        if actor != "anonymous":
            client.force_login(world.actors[actor])
        for url in (reverse("kpis:list"), reverse("kpis:create")):
            for query in ("", "?page=-1", "?page=abc", "?page=99999999999999999999"):
                for method in ("get", "post"):
                    response = getattr(client, method)(url + query)
                    requests += 1
                    status = response.status_code
                    where = f"{actor} {method.upper()} {url}{query} → {status}"
                    if actor == "anonymous":
                        if not _is_login(response):
                            failures.append(where)
                    elif not manages and status != 404:
                        failures.append(where + " (should be 404)")
                    elif manages and status != 200:
                        failures.append(where)
                    if "b" not in manages and SECRET.encode() in _body(response):
                        failures.append(where + " (shows organisation B)")
    with capsys.disabled():
        print(f"\nkpis probe: {requests} requests")
    assert not failures, "\n".join(failures)
