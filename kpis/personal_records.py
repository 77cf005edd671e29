"""kpis' part of a person's data (see werkplek.personal_data): the values measured about
them. An erasure keeps the values (the KPI's history stays whole) and takes their address
out of the import files that named them."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kpis.models import Measurement, MeasurementImport
from werkplek.personal_data import Erasing, Kind, Reader, register, rewrite

KINDS = [
    Kind(
        name="measurements",
        model=Measurement,
        about=("learner",),
        columns=(
            "kpi__name",
            "kpi__unit",
            "period_start",
            "value",
            "is_current",
            "recorded_by__name",
            "recorded_at",
        ),
        label=_("KPI measurements about you"),
        purpose=_("To see whether the program reaches its business objective."),
        readers=frozenset({Reader.PERSON, Reader.MANAGER}),
    ),
]


def erase(erasing: Erasing) -> None:
    """Their address and name leave the import files; the measured values stay."""
    if erasing.ended_before is not None:
        return
    rewrite(
        MeasurementImport,
        Q(rows__icontains=erasing.email),
        lambda preview: {"rows": erasing.redact(preview.rows)},
    )


def register_part() -> None:
    register("kpis", kinds=KINDS, erase=erase)
