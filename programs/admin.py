from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from programs.models import (
    ChecklistItem,
    Cohort,
    Enrolment,
    EvaluationQuestion,
    Invitation,
    LearnerImport,
    LearningGoal,
    Method,
    Pairing,
    Program,
    ReflectionPrompt,
)
from werkplek.lib.admin import ReadOnlyAdminMixin


@admin.register(Method)
class MethodAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "organization", "builtin"]
    list_filter = ["organization", "builtin"]
    search_fields = ["name", "builtin", "organization__name"]


class LearningGoalInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = LearningGoal
    extra = 0


class ReflectionPromptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReflectionPrompt
    extra = 0


class EvaluationQuestionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = EvaluationQuestion
    extra = 0


@admin.register(Program)
class ProgramAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "organization", "status", "owner", "duration_weeks", "updated_at"]
    list_filter = ["organization", "status", "methods"]
    search_fields = ["name", "description", "business_objective"]
    list_select_related = ["organization", "owner"]
    autocomplete_fields = ["owner", "duplicated_from"]
    filter_horizontal = ["methods"]
    inlines = [LearningGoalInline, ReflectionPromptInline, EvaluationQuestionInline]


class ChecklistItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ChecklistItem
    extra = 0


@admin.register(LearningGoal)
class LearningGoalAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "program", "position", "target_week"]
    list_filter = ["program__organization", "program"]
    search_fields = ["title", "description", "program__name"]
    list_select_related = ["program"]
    inlines = [ChecklistItemInline]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "goal", "position", "requires_sign_off"]
    list_filter = ["requires_sign_off", "goal__program"]
    search_fields = ["title", "goal__title"]
    list_select_related = ["goal"]


@admin.register(Cohort)
class CohortAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "program", "is_pilot", "starts_on", "closed_on"]
    list_filter = ["is_pilot", "program__organization", "program"]
    search_fields = ["name", "program__name"]
    list_select_related = ["program"]


class PairingInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Pairing
    extra = 0
    autocomplete_fields = ["coach"]


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["learner", "cohort", "started_on", "target_on", "ended_on", "end_reason"]
    list_filter = ["cohort__program__organization", "cohort__program", "ended_on", "end_reason"]
    search_fields = ["learner__name", "learner__email", "cohort__name", "cohort__program__name"]
    list_select_related = ["learner", "cohort__program"]
    autocomplete_fields = ["learner"]
    date_hierarchy = "started_on"
    inlines = [PairingInline]


@admin.register(Pairing)
class PairingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["coach", "enrolment", "started_on", "ended_on"]
    list_filter = ["enrolment__cohort__program", "ended_on"]
    search_fields = ["coach__name", "enrolment__learner__name"]
    list_select_related = ["coach", "enrolment__learner", "enrolment__cohort__program"]
    autocomplete_fields = ["coach"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "email", "cohort", "created_at", "accepted_at"]
    list_filter = ["cohort__program__organization", "accepted_at"]
    search_fields = ["name", "email", "cohort__name"]
    list_select_related = ["cohort"]
    exclude = ["token"]


@admin.register(LearnerImport)
class LearnerImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["cohort", "created_by", "created_at", "imported_at", "invited_count"]
    list_filter = ["cohort__program__organization", "imported_at"]
    list_select_related = ["cohort", "created_by"]
    exclude = ["token", "rows"]
