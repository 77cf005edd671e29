"""The filters (query parameters) of the skills matrix and the coach load page."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coaching import skills
from werkplek.lib.text import search_text
from werkplek.models import Membership


class SkillsMatrixFilter(django_filters.FilterSet):
    """Narrows the matrix's people (a team; those enrolled in a program or in a goal's
    program); the chosen program and goal narrow its tasks too (`chosen`). Only what the
    viewer may see is offered: an id from elsewhere is an invalid choice and ignored."""

    team = django_filters.ChoiceFilter(label=_("Team"), empty_label=_("All teams"))
    program = django_filters.ModelChoiceFilter(
        label=_("Program"),
        queryset=None,
        empty_label=_("All programs"),
        method="enrolled_in",
    )
    goal = django_filters.ModelChoiceFilter(
        label=_("Learning goal"),
        queryset=None,
        empty_label=_("All learning goals"),
        method="enrolled_in",
    )

    class Meta:
        model = Membership
        fields = ["team", "program", "goal"]

    def __init__(self, data, *, viewer, organization):
        self.viewer, self.organization = viewer, organization
        enrolments = skills.matrix_enrolments(viewer, organization)
        people = skills.matrix_people(enrolments, organization)
        super().__init__(data, queryset=people)
        teams = people.exclude(team="").order_by("team").values_list("team", flat=True)
        self.filters["team"].extra["choices"] = [(team, team) for team in teams.distinct()]
        self.filters["program"].queryset = skills.matrix_programs(viewer, organization)
        goals = skills.matrix_goals(viewer, organization)
        self.filters["goal"].queryset = goals
        self.form.fields["goal"].label_from_instance = lambda goal: f"{goal.program} · {goal}"
        for name in self.filters:
            self.form.fields[name].widget.attrs["class"] = "form-select"

    def enrolled_in(self, queryset, name, value):
        program = value if name == "program" else value.program
        enrolments = skills.matrix_enrolments(self.viewer, self.organization, program=program)
        return queryset.filter(user__in=enrolments.values("learner"))

    def chosen(self, name):
        """The valid choice of filter `name`, or None."""
        self.is_valid()
        return self.form.cleaned_data.get(name)


class CoachLoadFilter(django_filters.FilterSet):
    """The coach load page's choices: a name, a team, trained or not, and the order."""

    SORTS = {
        "learners": ("-active_learners", "user__name", "pk"),
        "feedback": ("feedback_recent", "user__name", "pk"),
        "untrained": ("is_trained", "team", "user__name", "pk"),
    }

    q = django_filters.CharFilter(
        label=_("Name"), method="named", widget=forms.SearchInput(attrs={"autocomplete": "off"})
    )
    team = django_filters.ChoiceFilter(label=_("Team"), empty_label=_("All teams"))
    trained = django_filters.ChoiceFilter(
        label=_("Training"),
        choices=[("yes", _("Trained")), ("no", _("Not trained"))],
        empty_label=_("Trained or not"),
        method="by_training",
    )
    sort = django_filters.ChoiceFilter(
        label=_("Order"),
        choices=[
            ("learners", _("Most learners first")),
            ("feedback", _("Least feedback first")),
            ("untrained", _("Not trained first")),
        ],
        empty_label=_("Team and name"),
        method="sorted_by",
    )

    class Meta:
        model = Membership
        fields = ["q", "team", "trained", "sort"]

    def __init__(self, data, *, queryset):
        super().__init__(data, queryset=queryset)
        teams = queryset.exclude(team="").order_by("team").values_list("team", flat=True)
        self.filters["team"].extra["choices"] = [(team, team) for team in teams.distinct()]
        for name in ("team", "trained", "sort"):
            self.form.fields[name].widget.attrs["class"] = "form-select"

    def named(self, queryset, name, value):
        value = search_text(value)
        if not value:
            return queryset
        return queryset.filter(Q(user__name__icontains=value) | Q(user__email__icontains=value))

    def by_training(self, queryset, name, value):
        return queryset.filter(is_trained=value == "yes")

    def sorted_by(self, queryset, name, value):
        return queryset.order_by(*self.SORTS[value])
