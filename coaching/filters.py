"""The skills matrix's filters (query parameters): team, program and goal."""

import django_filters
from django.utils.translation import gettext_lazy as _

from coaching import skills
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
