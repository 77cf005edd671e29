import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.choices import ProgramStatus
from programs.models import Method, Program
from werkplek.choices import Role
from werkplek.models import Membership, Organization, User


class ProgramFilter(django_filters.FilterSet):
    """Search and filters of the program list, limited to what the user may see."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ProgramStatus.choices, empty_label=_("All statuses")
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner"), queryset=User.objects.none(), empty_label=_("All owners")
    )
    method = django_filters.ModelChoiceFilter(
        label=_("Method"),
        field_name="methods",
        queryset=Method.objects.none(),
        empty_label=_("All methods"),
    )

    class Meta:
        model = Program
        fields = ["q", "status", "owner", "method"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organizations = Organization.objects.visible_to(user)
        managers = Membership.objects.with_role(Role.MANAGER).filter(organization__in=organizations)
        self.filters["owner"].queryset = User.objects.filter(pk__in=managers.values("user"))
        self.filters["method"].queryset = Method.objects.available_to(organizations)
        for name in ["status", "owner", "method"]:
            self.form.fields[name].widget.attrs["class"] = "form-select"

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(description__icontains=value)
            | Q(business_objective__icontains=value)
        )
