from django import forms
from django.utils.translation import gettext_lazy as _

from programs.imports import ImportFileError
from programs.needs import imports, services
from programs.needs.models import RATING_MAX, RATING_MIN
from programs.needs.services import MAX_PEOPLE
from werkplek.lib.text import has_nul
from werkplek.models import Membership, User

MAX_EMAILS = MAX_PEOPLE


class AskForm(forms.Form):
    """Whom to ask: a team of the organisation, and/or people by e-mail address."""

    team = forms.ChoiceField(label=_("Team"), required=False)
    emails = forms.CharField(
        label=_("People by e-mail address"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One address per line, or separated by commas. At most 200."),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        teams = (
            Membership.objects.current()
            .filter(organization=organization)
            .exclude(team="")
            .order_by("team")
            .values_list("team", flat=True)
            .distinct()
        )
        self.fields["team"].choices = [("", _("— choose a team —")), *((t, t) for t in teams)]

    def clean(self):
        data = super().clean()
        typed = (data.get("emails") or "").replace(",", "\n").replace(";", "\n")
        emails = {line.strip().lower() for line in typed.splitlines() if line.strip()}
        if len(emails) > MAX_EMAILS:
            raise forms.ValidationError(
                _("At most %(max)s addresses at a time.") % {"max": MAX_EMAILS}
            )
        emails = {email for email in emails if not has_nul(email)}
        members = Membership.objects.current().filter(organization=self.organization)
        people = {
            user.email: user
            for user in User.objects.filter(
                pk__in=members.filter(user__email__in=emails).values("user")
            )
        }
        unknown = sorted(emails - set(people))
        if unknown:
            self.add_error(
                "emails",
                _("Not in your organisation: %(emails)s.") % {"emails": ", ".join(unknown)},
            )
        if data.get("team"):
            team = members.filter(team=data["team"]).values("user")
            # One more than may be asked is enough to refuse: a large team is not read whole.
            chosen = User.objects.filter(pk__in=team).order_by("pk")[: MAX_PEOPLE + 1]
            people |= {user.email: user for user in chosen}
        if not people and not unknown:
            raise forms.ValidationError(_("Choose a team or type at least one address."))
        if len(people) > MAX_PEOPLE:
            raise forms.ValidationError(services.too_many_people())
        self.people = sorted(people.values(), key=lambda user: user.name)
        return data


RATING_CHOICES = [(value, str(value)) for value in range(RATING_MIN, RATING_MAX + 1)]


class AnswerForm(forms.Form):
    """Two ratings per goal of the program, 1 to 5 each, all required."""

    def __init__(self, *args, goals, ratings, **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = goals
        for goal in goals:
            rating = ratings.get(goal.pk)
            self.fields[f"importance_{goal.pk}"] = forms.TypedChoiceField(
                label=_("How important is this in the work?"),
                help_text=_("1 hardly matters · 5 essential"),
                choices=RATING_CHOICES,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                initial=rating.importance if rating else None,
                error_messages={"required": _("Choose how important this is.")},
            )
            self.fields[f"ability_{goal.pk}"] = forms.TypedChoiceField(
                label=_("How well can it be done today?"),
                help_text=_("1 not yet · 5 fully"),
                choices=RATING_CHOICES,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                initial=rating.ability if rating else None,
                error_messages={"required": _("Choose how well this can be done today.")},
            )

    def goal_fields(self):
        """Per goal, its two fields: the template shows them together."""
        return [
            (goal, [self[f"importance_{goal.pk}"], self[f"ability_{goal.pk}"]])
            for goal in self.goals
        ]

    def answers(self) -> dict[int, tuple[int, int]]:
        return {
            goal.pk: (
                self.cleaned_data[f"importance_{goal.pk}"],
                self.cleaned_data[f"ability_{goal.pk}"],
            )
            for goal in self.goals
        }


class RatingsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Ratings list (.xlsx, .ods, .xls or .csv)"),
        help_text=_(
            "Columns: e-mail, learning goal (title or number), importance and ability today, "
            "each 1 to 5. At most 2 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.ods,.xls,.csv,.txt"}),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            self.rows = imports.read_rows(uploaded)
        except ImportFileError as error:
            raise forms.ValidationError(str(error)) from error
        return uploaded
