"""What every domain admin shares."""


class ReadOnlyAdminMixin:
    """The admin shows these rows; only the app's services write them, so no admin path
    can skip a rule (archived programs, pairing dates, target dates, evidence)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
