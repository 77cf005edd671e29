from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from werkplek import outbox, services
from werkplek.forms import AdminLoginForm
from werkplek.lib.admin import ReadOnlyAdminMixin
from werkplek.models import Erasure, Membership, Organization, OutboxMessage, User

# The admin's login has no code step: accounts with two-step sign-in use werkplek's.
admin.site.login_form = AdminLoginForm


class MembershipInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Shown on the person; changed on the membership page, through the services."""

    model = Membership
    extra = 0
    show_change_link = True


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["name", "email"]
    list_display = ["email", "name", "language", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "language", "memberships__organization"]
    search_fields = ["email", "name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["name", "language", "time_zone"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]}),
    ]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "language", "created_at"]
    list_filter = ["language", "time_zone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Roles change through `membership_set`; a membership is ended, never deleted."""

    list_display = [
        "user",
        "organization",
        "is_manager",
        "is_line_manager",
        "is_coach",
        "is_learner",
        "team",
        "ended_on",
    ]
    list_filter = [
        "organization",
        "is_manager",
        "is_line_manager",
        "is_coach",
        "is_learner",
        "team",
        "ended_on",
    ]
    search_fields = ["user__email", "user__name", "organization__name", "team"]
    list_select_related = ["user", "organization"]
    autocomplete_fields = ["user", "organization"]
    fields = [
        "user",
        "organization",
        "is_manager",
        "is_line_manager",
        "is_coach",
        "is_learner",
        "team",
        "coach_capacity",
        "ended_on",
    ]
    readonly_fields = ["ended_on"]
    actions = ["end_memberships"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "user", "organization"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        roles = {role for role, field in Membership.ROLE_FIELDS.items() if getattr(obj, field)}
        saved = services.membership_set(
            user=obj.user,
            organization=obj.organization,
            roles=roles,
            team=obj.team,
            coach_capacity=obj.coach_capacity,
            actor=request.user,
        )
        obj.pk = saved.pk

    @admin.action(description=_("End the selected memberships today"))
    def end_memberships(self, request, queryset):
        for membership in queryset.current():
            services.membership_end(membership=membership, actor=request.user)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The outbox as staff see it; rows change only through werkplek.outbox."""

    list_display = ["pk", "kind", "recipient", "address", "due_slot", "status", "attempts"]
    list_filter = ["status", "kind"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__email", "address", "due_slot"]
    date_hierarchy = "created_at"
    actions = ["resend"]

    @admin.action(description=_("Queue failed or uncertain messages again"))
    def resend(self, request, queryset):
        count = outbox.resend(message_ids=list(queryset.values_list("pk", flat=True)))
        text = ngettext(
            "%(count)s message queued again.", "%(count)s messages queued again.", count
        )
        self.message_user(request, text % {"count": count})


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who erased whom, when and why: the record an erasure leaves (werkplek.personal_data)."""

    list_display = ["person", "erased_by", "reason", "erased_at"]
    list_filter = ["reason"]
    list_select_related = ["person", "erased_by"]
