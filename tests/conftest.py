import os
import shutil

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.utils import translation

from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    MembershipFactory,
    OrganizationFactory,
    PairingFactory,
    ProgramFactory,
)
from werkplek import handoff, outbox
from werkplek.models import OutboxMessage


def pytest_configure(config):
    """In CI the real services are required: a missing one fails the run instead of a skip."""
    if os.environ.get("CI") != "true":
        return
    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL must point at PostgreSQL")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL must be set")
    if not shutil.which("chromium"):
        problems.append("Debian's chromium must be installed")
    if problems:
        pytest.exit("CI needs the real services: " + "; ".join(problems), returncode=3)


MATRIX_TEST = "test_permission_matrix.py::test_each_actor_gets_the_answer_in_the_matrix["


def pytest_terminal_summary(terminalreporter):
    """Say how many permission-matrix cases ran: CI output shows the matrix did its work."""
    outcomes = {}
    for outcome in ("failed", "error", "skipped", "passed"):  # a failure outranks a pass
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if MATRIX_TEST in nodeid and (outcome != "passed" or report.when == "call"):
                outcomes.setdefault(nodeid, outcome)
    if outcomes:
        counts = {o: list(outcomes.values()).count(o) for o in sorted(set(outcomes.values()))}
        summary = ", ".join(f"{count} {outcome}" for outcome, count in counts.items())
        terminalreporter.write_line(
            f"permission matrix: {len(outcomes)} URL × actor × method cases checked ({summary})"
        )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with empty counters (the password-reset throttle lives in the cache;
    tests use a process's memory, never the Redis that Celery uses)."""
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request leaves its person's language active; the next test starts from the default."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Distributiecentrum Noord", slug="dc-noord")


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Zorggroep Zuid", slug="zorggroep-zuid")


@pytest.fixture
def manager(organization):
    return MembershipFactory(organization=organization, is_manager=True, is_learner=False).user


@pytest.fixture
def coach(organization):
    return MembershipFactory(organization=organization, is_coach=True, is_learner=False).user


@pytest.fixture
def learner(organization):
    return MembershipFactory(organization=organization, team="Orderpicking").user


@pytest.fixture
def line_manager(organization):
    """The line manager of the team Orderpicking, which `learner` is in."""
    return MembershipFactory(
        organization=organization, is_line_manager=True, is_learner=False, team="Orderpicking"
    ).user


@pytest.fixture
def other_manager(other_organization):
    return MembershipFactory(
        organization=other_organization, is_manager=True, is_learner=False
    ).user


@pytest.fixture
def other_coach(organization):
    return MembershipFactory(organization=organization, is_coach=True, is_learner=False).user


@pytest.fixture
def other_learner(organization):
    return MembershipFactory(organization=organization, team="Orderpicking").user


@pytest.fixture
def program(organization, manager):
    return ProgramFactory(organization=organization, owner=manager, name="Inwerken orderpicker")


@pytest.fixture
def cohort(program):
    return CohortFactory(program=program, name="Pilotgroep", is_pilot=True)


@pytest.fixture
def enrolment(cohort, learner, coach):
    """The learner in the pilot group, coached by `coach`."""
    enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
    PairingFactory(enrolment=enrolment, coach=coach)
    return enrolment


@pytest.fixture
def other_enrolment(cohort, other_learner, other_coach):
    """Another learner of the same group, coached by `other_coach`."""
    enrolment = EnrolmentFactory(cohort=cohort, learner=other_learner)
    PairingFactory(enrolment=enrolment, coach=other_coach)
    return enrolment


@pytest.fixture
def handoff_inline(monkeypatch):
    """Hand-offs to the broker run in the test's own thread, at once, with the background
    thread's handling of a broker that is down."""
    monkeypatch.setattr(handoff.publisher, "submit", handoff.publisher.run)


@pytest.fixture
def deliver_outbox():
    """Deliver every due outbox row now, in this process, as a worker would; answers the
    mails sent so far (django.core.mail.outbox)."""

    def deliver():
        for message_id in OutboxMessage.objects.due().values_list("pk", flat=True):
            outbox.deliver(message_id)
        return mail.outbox

    return deliver
