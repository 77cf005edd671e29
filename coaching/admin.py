from django.contrib import admin

from coaching.models import (
    FeedbackAddendum,
    FeedbackMoment,
    GoalAssessment,
    PeerFeedback,
    Reflection,
    ReflectionReaction,
    SignOff,
)
from werkplek.lib.admin import ReadOnlyAdminMixin


class GoalAssessmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = GoalAssessment
    extra = 0


class SignOffInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SignOff
    extra = 0
    autocomplete_fields = ["signed_by"]


class FeedbackAddendumInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FeedbackAddendum
    extra = 0


@admin.register(FeedbackMoment)
class FeedbackMomentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["enrolment", "coach", "occurred_on", "shift", "created_at"]
    list_filter = ["shift", "enrolment__cohort__program", "occurred_on"]
    search_fields = ["enrolment__learner__name", "coach__name", "went_well", "to_improve"]
    list_select_related = ["enrolment__learner", "enrolment__cohort__program", "coach"]
    date_hierarchy = "occurred_on"
    inlines = [GoalAssessmentInline, SignOffInline, FeedbackAddendumInline]


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["checklist_item", "enrolment", "signed_by", "signed_on", "level"]
    list_filter = ["enrolment__cohort__program", "signed_on"]
    search_fields = ["checklist_item__title", "enrolment__learner__name", "signed_by__name"]
    list_select_related = ["checklist_item", "enrolment__learner", "signed_by"]


class ReflectionReactionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReflectionReaction
    extra = 0


@admin.register(Reflection)
class ReflectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["enrolment", "due_on", "submitted_at"]
    list_filter = ["enrolment__cohort__program", "due_on"]
    search_fields = ["enrolment__learner__name"]
    list_select_related = ["enrolment__learner", "enrolment__cohort__program"]
    inlines = [ReflectionReactionInline]


@admin.register(PeerFeedback)
class PeerFeedbackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["enrolment", "goal", "requested_from", "requested_at", "given_at"]
    list_filter = ["enrolment__cohort__program"]
    search_fields = ["enrolment__learner__name", "requested_from__name", "text"]
    list_select_related = ["enrolment__learner", "goal", "requested_from"]
