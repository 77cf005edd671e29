from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from programs import imports
from programs.choices import EndReason, ProgramStatus
from programs.models import (
    EVALUATION_QUESTION_LENGTH,
    MAX_EVALUATION_ANSWERS,
    MAX_EVALUATION_QUESTIONS,
    MAX_REFLECTION_QUESTIONS,
    MIN_EVALUATION_ANSWERS,
    REFLECTION_QUESTION_LENGTH,
    ChecklistItem,
    CoachTraining,
    Cohort,
    LearningGoal,
    Method,
    Program,
)
from programs.services import OVER_CAPACITY
from werkplek.choices import Role
from werkplek.lib.forms import DateInput, LongTextField, TimeInput, VersionField, WeekdaysField
from werkplek.models import Membership, Organization, User


class ProgramForm(forms.ModelForm):
    """A program's settings; the organisation is asked only of managers of several."""

    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none()
    )
    reminder_weekdays = WeekdaysField(
        label=_("Reminder days"),
        help_text=_("Only for reminders on chosen weekdays."),
    )

    class Meta:
        model = Program
        fields = [
            "organization",
            "name",
            "description",
            "business_objective",
            "owner",
            "duration_weeks",
            "feedback_every_days",
            "learning_hours_per_week",
            "reminder_rhythm",
            "reminder_weekdays",
            "reminder_time",
            "methods",
        ]
        localized_fields = ["learning_hours_per_week"]  # "2,5" as Dutch people type it
        field_classes = {"description": LongTextField, "business_objective": LongTextField}
        widgets = {
            "reminder_time": TimeInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "business_objective": forms.Textarea(attrs={"rows": 4}),
            "methods": forms.CheckboxSelectMultiple,
        }

    version = VersionField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version if self.instance.pk else None
        if self.instance.pk:
            organizations = Organization.objects.filter(pk=self.instance.organization_id)
        else:
            organizations = Organization.objects.managed_by(user)
        self.fields["organization"].queryset = organizations
        if len(organizations) == 1 or self.instance.pk:
            self.fields["organization"].initial = organizations[0]
            self.fields["organization"].widget = forms.HiddenInput()
            self.fields["organization"].disabled = True
        managers = Membership.objects.with_role(Role.MANAGER).filter(organization__in=organizations)
        self.fields["owner"].queryset = User.objects.filter(
            pk__in=managers.values("user")
        ).order_by("name")
        self.fields["owner"].initial = self.instance.owner_id or user.pk
        self.fields["methods"].queryset = Method.objects.available_to(organizations).order_by(
            "organization", "builtin", "name"
        )

    def clean(self):
        cleaned = super().clean()
        organization = cleaned.get("organization")
        if organization is None:
            return cleaned
        for method in cleaned.get("methods") or []:
            if method.organization_id not in (None, organization.pk):
                self.add_error("methods", _("Choose methods of this organisation."))
        return cleaned

    def service_fields(self) -> dict:
        """The cleaned values in the shape the program services take."""
        data = dict(self.cleaned_data)
        data.pop("organization")
        data.pop("version")
        return data


class GoalForm(forms.ModelForm):
    version = VersionField()

    class Meta:
        model = LearningGoal
        fields = ["title", "description", "success_criteria", "target_week"]
        field_classes = {"description": LongTextField, "success_criteria": LongTextField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "success_criteria": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version if self.instance.pk else None

    def service_fields(self) -> dict:
        """The cleaned values in the shape the goal services take (the version apart)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class ChecklistItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = ["title", "requires_sign_off", "reobserve_after_days"]


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["name", "starts_on", "is_pilot"]
        widgets = {"starts_on": DateInput()}


class DuplicateForm(forms.Form):
    name = forms.CharField(label=_("Name of the copy"), max_length=200)


class MethodForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Learner list (.xlsx, .ods, .xls or .csv)"),
        help_text=_(
            "Columns: e-mail, name, team, coach e-mail, start date (31-12-2026). "
            "An empty start date means the group's start date. At most 2 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.ods,.xls,.csv,.txt"}),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            self.rows = imports.read_rows(uploaded)
        except imports.ImportFileError as error:
            raise forms.ValidationError(str(error)) from error
        return uploaded


class PairingForm(forms.Form):
    """Pair one coach with several enrolments; the service warns when the coach would be
    overloaded, and the manager may confirm."""

    enrolments = forms.ModelMultipleChoiceField(
        label=_("Learners"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one learner.")},
    )
    # Offered as radio buttons by the searchable coach picker (programs/_coach_choices.html),
    # never as one option per coach: an organisation may have hundreds.
    coach = forms.ModelChoiceField(
        label=_("Coach"),
        queryset=None,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a coach.")},
    )
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    over_capacity_ok = forms.BooleanField(
        label=_("Pair anyway, above the coach's capacity"), required=False
    )

    def __init__(self, *args, cohort, enrolments, **kwargs):
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        coaches = Membership.objects.with_role(Role.COACH).filter(
            organization=cohort.program.organization_id
        )
        self.fields["enrolments"].queryset = enrolments
        self.fields["enrolments"].label_from_instance = lambda e: e.learner.name
        self.fields["coach"].queryset = User.objects.filter(pk__in=coaches.values("user"))
        self.fields["starts_on"].initial = timezone.localdate()

    @property
    def over_capacity(self) -> bool:
        """The service refused the coach for capacity: ask the manager to confirm."""
        return self.has_error("coach", code=OVER_CAPACITY)


class InvitationSignupForm(forms.Form):
    """Accepting an invitation; someone without an account also chooses a name and password."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_authenticated:
            # A signed-in person only confirms.
            for name in ["name", "password1", "password2"]:
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ReflectionPromptsForm(forms.Form):
    questions = LongTextField(
        label=_("Reflection questions"),
        # Room for every question a program may ask, each on its own line.
        max_length=MAX_REFLECTION_QUESTIONS * (REFLECTION_QUESTION_LENGTH + 2),
        help_text=_("One question per line. Learners answer them after each feedback moment."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean_questions(self):
        for line in self.cleaned_data["questions"].splitlines():
            if len(line.strip()) > REFLECTION_QUESTION_LENGTH:
                raise forms.ValidationError(_("Keep each question under 300 characters."))
        return self.cleaned_data["questions"]

    def question_list(self) -> list[str]:
        lines = self.cleaned_data["questions"].splitlines()
        return [line.strip() for line in lines if line.strip()]


def _statements_field(label):
    return LongTextField(
        label=label,
        # Room for every statement an evaluation may ask, each on its own line.
        max_length=MAX_EVALUATION_QUESTIONS * (EVALUATION_QUESTION_LENGTH + 2),
        help_text=_("One per line; each is rated from 1 (disagree) to 5 (agree)."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _open_question_field(label):
    return forms.CharField(
        label=label,
        max_length=EVALUATION_QUESTION_LENGTH,
        required=False,
        help_text=_("Answered in the person's own words. Empty: no open question."),
    )


class EvaluationSettingsForm(forms.Form):
    """A program's evaluation: the statements learners and coaches rate and their open
    question, halfway or not, and the fewest answers its results show from."""

    learner_questions = _statements_field(_("Statements for learners"))
    learner_open_question = _open_question_field(_("Open question for learners"))
    coach_questions = _statements_field(_("Statements for coaches"))
    coach_open_question = _open_question_field(_("Open question for coaches"))
    evaluate_halfway = forms.BooleanField(
        label=capfirst(Program._meta.get_field("evaluate_halfway").verbose_name),
        help_text=Program._meta.get_field("evaluate_halfway").help_text,
        required=False,
    )
    min_answers = forms.IntegerField(
        label=capfirst(Program._meta.get_field("evaluation_min_answers").verbose_name),
        help_text=Program._meta.get_field("evaluation_min_answers").help_text,
        min_value=MIN_EVALUATION_ANSWERS,
        max_value=MAX_EVALUATION_ANSWERS,
    )

    def clean(self):
        cleaned = super().clean()
        for name in ("learner_questions", "coach_questions"):
            if any(len(line) > EVALUATION_QUESTION_LENGTH for line in self.lines(name)):
                self.add_error(name, _("Keep each question under 300 characters."))
        return cleaned

    def lines(self, name: str) -> list[str]:
        lines = self.cleaned_data.get(name, "").splitlines()
        return [line.strip() for line in lines if line.strip()]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "learner_questions": self.lines("learner_questions"),
            "learner_open_question": data["learner_open_question"],
            "coach_questions": self.lines("coach_questions"),
            "coach_open_question": data["coach_open_question"],
            "evaluate_halfway": data["evaluate_halfway"],
            "min_answers": data["min_answers"],
        }


class EndForm(forms.Form):
    """Why and on which day an enrolment (or every enrolment of a group) ends; independence
    is marked on the progress page, where its conditions are checked."""

    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[
            (value, label) for value, label in EndReason.choices if value != EndReason.INDEPENDENT
        ],
        widget=forms.RadioSelect,
    )
    ended_on = forms.DateField(
        label=_("Last day"), widget=DateInput(), help_text=_("Today or an earlier day.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["ended_on"].initial = today
        self.fields["ended_on"].widget.attrs["max"] = today.isoformat()


class CoachTrainingForm(forms.ModelForm):
    """A training a coach completed: which, given by whom, when, and until when it counts."""

    class Meta:
        model = CoachTraining
        fields = ["course", "provider", "completed_on", "valid_until"]
        widgets = {"completed_on": DateInput(), "valid_until": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only a completed course is recorded: the picker offers no day after today, in the
        # user's time zone (the service refuses one as well).
        self.fields["completed_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class CoachProgramsForm(forms.Form):
    """The programs a coach may coach; none chosen: every program of the organisation."""

    programs = forms.ModelMultipleChoiceField(
        label=_("Programs this coach may coach"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to let them coach every program of the organisation."),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        # Archived programs take no new pairings, so there is nothing to allow there.
        self.fields["programs"].queryset = (
            Program.objects.filter(organization=organization)
            .exclude(status=ProgramStatus.ARCHIVED)
            .order_by("name", "pk")
        )
