from django.contrib import admin

from kpis.models import (
    KPI,
    CohortSnapshot,
    EnrolmentSnapshot,
    KPISnapshot,
    Measurement,
    MeasurementImport,
    ProgramSnapshot,
)
from werkplek.lib.admin import ReadOnlyAdminMixin


@admin.register(KPI)
class KPIAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organization", "program", "subject_level", "cadence", "unit"]
    list_filter = ["organization", "subject_level", "cadence"]
    search_fields = ["name", "organization__name", "program__name"]
    list_select_related = ["organization", "program"]


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["kpi", "period_start", "value", "subject_level", "is_current", "recorded_at"]
    list_filter = ["is_current", "subject_level", "kpi__organization"]
    search_fields = ["kpi__name", "team", "learner__name", "cohort__name", "program__name"]
    list_select_related = ["kpi", "learner", "cohort", "program"]
    date_hierarchy = "period_start"


@admin.register(MeasurementImport)
class MeasurementImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["kpi", "created_by", "created_at", "imported_at", "recorded_count"]
    list_filter = ["kpi__organization", "imported_at"]
    list_select_related = ["kpi", "created_by"]
    exclude = ["token", "rows"]


@admin.register(EnrolmentSnapshot)
class EnrolmentSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["day", "enrolment", "cohort", "goals_independent", "goals", "pace"]
    list_filter = ["day", "pace", "cohort__program__organization"]
    search_fields = ["enrolment__learner__name", "cohort__name"]
    list_select_related = ["enrolment__learner", "enrolment__cohort", "cohort"]
    date_hierarchy = "day"


@admin.register(CohortSnapshot)
class CohortSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["day", "cohort", "enrolments", "running", "ended", "independent"]
    list_filter = ["day", "cohort__program__organization"]
    search_fields = ["cohort__name", "cohort__program__name"]
    list_select_related = ["cohort"]
    date_hierarchy = "day"


@admin.register(ProgramSnapshot)
class ProgramSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["day", "program", "enrolments", "running", "ended", "independent"]
    list_filter = ["day", "program__organization"]
    search_fields = ["program__name"]
    list_select_related = ["program"]
    date_hierarchy = "day"


@admin.register(KPISnapshot)
class KPISnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["day", "kpi"]
    list_filter = ["day", "kpi__organization"]
    search_fields = ["kpi__name"]
    list_select_related = ["kpi"]
    date_hierarchy = "day"
