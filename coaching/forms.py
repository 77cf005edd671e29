from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.choices import EvaluationMoment, Shift
from coaching.models import (
    EVALUATION_ANSWER_LENGTH,
    EVALUATION_SCALE,
    FEEDBACK_TEXT_LENGTH,
    NOTE_LENGTH,
    REFLECTION_ANSWER_LENGTH,
    REVIEW_OUTCOME_LENGTH,
    THANK_YOU_LENGTH,
)
from programs.choices import EvaluationAudience, Level
from programs.models import ChecklistItem, Cohort, LearningGoal
from werkplek.lib.forms import DateInput, LongTextField, VersionField
from werkplek.models import User


class FeedbackMomentForm(forms.Form):
    """One screen, phone first: the common case is a few taps, nothing typed is ever lost.

    Per goal a "practised" switch with a level that only counts, and only shows, once the
    goal is marked practised: an untouched goal has no level chosen and records nothing. Per
    open task a sign-off box, grouped under its goal.
    """

    occurred_on = forms.DateField(label=_("Date"), widget=DateInput())
    shift = forms.ChoiceField(
        label=_("Shift"),
        choices=Shift.choices,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    shift_note = forms.CharField(label=_("Which shift?"), max_length=100, required=False)
    went_well = LongTextField(
        label=_("What went well"),
        max_length=FEEDBACK_TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    to_improve = LongTextField(
        label=_("What can be better"),
        max_length=FEEDBACK_TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_step = LongTextField(
        label=_("Next step (agreed together)"),
        max_length=FEEDBACK_TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    sign_offs = forms.ModelMultipleChoiceField(
        label=_("Tasks seen done"),
        queryset=ChecklistItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = VersionField()

    def __init__(self, *args, goals, current_levels, open_items, **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = goals
        self.current_levels = current_levels
        today = timezone.localdate()
        self.fields["occurred_on"].initial = today
        self.fields["occurred_on"].widget.attrs["max"] = today.isoformat()
        self.fields["sign_offs"].queryset = ChecklistItem.objects.filter(
            pk__in=[item.pk for item in open_items]
        )
        self.open_items = open_items
        for goal in goals:
            self.fields[f"practised_{goal.pk}"] = forms.BooleanField(
                label=goal.title,
                required=False,
                widget=forms.CheckboxInput(
                    attrs={"class": "form-check-input", "role": "switch", "data-practised": True}
                ),
            )
            self.fields[f"level_{goal.pk}"] = forms.TypedChoiceField(
                label=_("Level for %(goal)s") % {"goal": goal.title},
                choices=Level.choices,
                coerce=int,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
            )

    def goal_rows(self):
        """Per goal: its current level, the practised box, the level buttons and its open
        tasks (with whether each is ticked), for the template."""
        ticked = {str(value) for value in self["sign_offs"].value() or []}
        for goal in self.goals:
            items = [
                (item, str(item.pk) in ticked)
                for item in self.open_items
                if item.goal_id == goal.pk
            ]
            yield (
                goal,
                self.current_levels.get(goal.pk),
                self[f"practised_{goal.pk}"],
                self[f"level_{goal.pk}"],
                items,
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("shift") == Shift.OTHER and not cleaned.get("shift_note"):
            self.add_error("shift_note", _("Say which shift it was."))
        for goal in self.goals:
            if cleaned.get(f"practised_{goal.pk}") and not cleaned.get(f"level_{goal.pk}"):
                self.add_error(f"level_{goal.pk}", _("Choose the level you saw."))
        practised = any(cleaned.get(f"practised_{goal.pk}") for goal in self.goals)
        names = ("went_well", "to_improve", "next_step")
        texts = [cleaned.get(name) or name in self.errors for name in names]  # too long is typed
        if not (practised or cleaned.get("sign_offs") or any(texts)):
            # The service refuses it too; here the message lands on a field to fill in.
            self.add_error(
                "went_well", _("Choose a practised goal, sign off a task or write what you saw.")
            )
        return cleaned

    def levels(self) -> dict[int, int]:
        return {
            goal.pk: self.cleaned_data[f"level_{goal.pk}"]
            for goal in self.goals
            if self.cleaned_data.get(f"practised_{goal.pk}")
        }

    def moment_fields(self) -> dict:
        names = ["occurred_on", "shift", "shift_note", "went_well", "to_improve", "next_step"]
        return {name: self.cleaned_data[name] for name in names}


class AddendumForm(forms.Form):
    text = LongTextField(
        label=_("Addendum"), max_length=NOTE_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )


class ThankYouNoteForm(forms.Form):
    text = LongTextField(
        label=_("Your thank-you"),
        max_length=THANK_YOU_LENGTH,
        help_text=_("A few sentences: what did this coach do well?"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReflectionForm(forms.Form):
    """The program's questions, one answer box each, and the learner's own choice to ask
    their coach (below the answers)."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for index, question in enumerate(questions):
            self.fields[f"answer_{index}"] = LongTextField(
                label=question,
                required=False,
                max_length=REFLECTION_ANSWER_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.fields["asks_coach"] = forms.BooleanField(
            label=_("I have a question for my coach"),
            required=False,
            help_text=_("Your coach gets a message to read this reflection and react."),
        )

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(f"answer_{i}", "").strip() for i in range(len(self.questions))):
            raise forms.ValidationError(_("Answer at least one question."))
        return cleaned

    def answers(self) -> list[dict]:
        return [
            {"question": question, "answer": self.cleaned_data.get(f"answer_{index}", "")}
            for index, question in enumerate(self.questions)
        ]


class ReactionForm(forms.Form):
    text = LongTextField(
        label=_("Your reaction"), max_length=NOTE_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )


class PeerRequestForm(forms.Form):
    peer = forms.ModelChoiceField(
        label=_("Colleague"), queryset=User.objects.none(), empty_label=_("Choose a colleague")
    )
    goal = forms.ModelChoiceField(
        label=_("Learning goal"),
        queryset=LearningGoal.objects.none(),
        empty_label=_("Choose a goal"),
    )
    question = forms.CharField(
        label=_("Your question (optional)"),
        max_length=300,
        required=False,
        help_text=_("For example: do I scan fast enough at the start of a shift?"),
    )

    def __init__(self, *args, peers, goals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["peer"].queryset = User.objects.filter(pk__in=[p.pk for p in peers])
        self.fields["goal"].queryset = goals


class PeerFeedbackForm(forms.Form):
    text = LongTextField(
        label=_("Your feedback"), max_length=NOTE_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class ProgressReviewPlanForm(forms.Form):
    planned_on = forms.DateField(label=_("Date of the review"), widget=DateInput())


class ProgressReviewOutcomeForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    outcome = LongTextField(
        label=_("Outcome"),
        help_text=_("What was agreed, in a few sentences."),
        max_length=REVIEW_OUTCOME_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["held_on"].initial = today
        self.fields["held_on"].widget.attrs["max"] = today.isoformat()


class ProgressReviewCommentForm(forms.Form):
    text = LongTextField(
        label=_("Comment"), max_length=NOTE_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvaluationForm(forms.Form):
    """A program's evaluation: each statement rated from 1 (disagree) to 5 (agree), all of
    them, and the open question if the program asks one."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.statements = questions.statements
        for index, statement in enumerate(self.statements):
            self.fields[f"score_{index}"] = forms.TypedChoiceField(
                label=statement,
                choices=[(score, str(score)) for score in EVALUATION_SCALE],
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                error_messages={"required": _("Choose from 1 (disagree) to 5 (agree).")},
            )
        if questions.open_question:
            self.fields["open_answer"] = LongTextField(
                label=questions.open_question,
                required=False,
                max_length=EVALUATION_ANSWER_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
            )

    def scores(self) -> list[int]:
        return [self.cleaned_data[f"score_{index}"] for index in range(len(self.statements))]

    def open_answer(self) -> str:
        return self.cleaned_data.get("open_answer", "")


class EvaluationResultsFilter(forms.Form):
    """Whose evaluation, at which moment, of which group the results page shows."""

    audience = forms.ChoiceField(
        label=_("Answered by"), choices=EvaluationAudience.choices, required=False
    )
    moment = forms.ChoiceField(label=_("Moment"), choices=EvaluationMoment.choices, required=False)
    # Chosen in the page's list of groups (which pages), kept by the filter as it changes.
    group = forms.ModelChoiceField(
        queryset=Cohort.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Cohort.objects.filter(program=program)

    def choice(self) -> tuple[str, str, Cohort | None]:
        """(audience, moment, group) chosen; a value that is not one of the choices counts as
        not chosen (the form says so)."""
        data = self.cleaned_data if self.is_valid() else {}
        audience = data.get("audience") or EvaluationAudience.LEARNER
        moment = data.get("moment") or EvaluationMoment.END
        return audience, moment, data.get("group")
