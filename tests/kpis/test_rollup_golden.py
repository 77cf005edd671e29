"""The full roll-up of a generated organisation (seed_scale's size T) writes exactly the rows
recorded in `golden/rollup_T_<minimum group size>.json`: a rewrite for speed must change no
number, no order and no float's last digit. Rows are named by what people see (e-mail, group
and program names), never by primary keys, which differ between databases.

After a deliberate change to what the roll-up computes, rewrite the file with
`WERKPLEK_WRITE_GOLDEN=1 pytest tests/kpis/test_rollup_golden.py` and review its diff."""

import datetime
import io
import json
import os
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from kpis import rollups
from kpis.models import CohortSnapshot, EnrolmentSnapshot, KPISnapshot, ProgramSnapshot
from programs.models import Program

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 11, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield
    ContentType.objects.clear_cache()


def _named_impact(impact: dict, program_names: dict) -> dict:
    return {program_names[int(pk)]: value for pk, value in sorted(impact.items())}


def _rollup_rows(on: datetime.date) -> dict:
    """Every snapshot row of day `on`, keyed by names, in a fixed order."""
    program_names = dict(Program.objects.values_list("pk", "name"))
    enrolments = [
        [f"{row.enrolment.learner.email} {row.enrolment.cohort.name}"]
        + [_plain(getattr(row, field)) for field in rollups.ENROLMENT_FIELDS if field != "cohort"]
        for row in EnrolmentSnapshot.objects.filter(day=on).select_related(
            "enrolment__learner", "enrolment__cohort"
        )
    ]
    cohorts = [
        [f"{row.cohort.program.name} / {row.cohort.name}"]
        + [getattr(row, field) for field in rollups.GROUP_FIELDS]
        for row in CohortSnapshot.objects.filter(day=on).select_related("cohort__program")
    ]
    programs = [
        [row.program.name] + [getattr(row, field) for field in rollups.GROUP_FIELDS]
        for row in ProgramSnapshot.objects.filter(day=on).select_related("program")
    ]
    kpis = [
        [
            f"{row.kpi.organization.slug} {row.kpi.name} {row.kpi.subject_level}",
            row.periods,
            _named_impact(row.impact, program_names),
        ]
        for row in KPISnapshot.objects.filter(day=on).select_related("kpi__organization")
    ]
    return {
        "enrolments": sorted(enrolments),
        "groups": sorted(cohorts),
        "programs": sorted(programs),
        "kpis": sorted(kpis, key=lambda row: row[0]),
    }


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


# 5, the default; 2 lets small groups and their comparisons have numbers.
@pytest.mark.parametrize("minimum", [5, 2])
def test_the_full_roll_up_of_a_generated_organisation_writes_the_recorded_rows(settings, minimum):
    settings.KPI_MIN_GROUP_SIZE = minimum
    golden_file = GOLDEN / f"rollup_T_{minimum}.json"
    call_command("seed_scale", "--size", "T", stdout=io.StringIO())
    connection.check_constraints()
    on = timezone.localdate()
    for model in [EnrolmentSnapshot, CohortSnapshot, ProgramSnapshot, KPISnapshot]:
        model.objects.all().delete()

    written = rollups.rollup_all(on=on)

    # Through JSON, as the database stores it, so that the file and the rows compare alike.
    rows = json.loads(json.dumps(_rollup_rows(on), sort_keys=True))
    if os.environ.get("WERKPLEK_WRITE_GOLDEN"):
        golden_file.write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n")
    golden = json.loads(golden_file.read_text())
    assert written == sum(len(part) for part in golden.values())
    for part in golden:
        assert rows[part] == golden[part], part
