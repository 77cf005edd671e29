import re
from decimal import Decimal

from crispy_forms.bootstrap import AppendedText
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from kpis.choices import SubjectLevel
from kpis.models import KPI, MAX_DECIMALS, VALUE_DIGITS
from kpis.services import FIXED_ONCE_MEASURED
from programs.models import Cohort, Program
from werkplek.lib.forms import DateInput
from werkplek.models import Membership, Organization, User


def normalise_number(text: str) -> str:
    """A number as people type it, in the notation Python reads: "112,5" and "112.5" are
    112.5; with both marks ("1.234,5", "1,234.5") the last one is the decimal mark; a mark
    that appears twice ("1.234.567") separates thousands, and so does a single mark that is
    not the language's decimal mark before exactly three digits (Dutch "1.250" is 1250)."""
    text = re.sub(r"[\s\u00a0']", "", text)
    marks = [mark for mark in ",." if mark in text]
    if len(marks) == 2:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        return text.replace(thousands, "").replace(decimal, ".")
    if marks and text.count(marks[0]) > 1:
        return text.replace(marks[0], "")
    if marks and marks[0] != formats.get_format("DECIMAL_SEPARATOR"):
        if re.fullmatch(r"[+-]?\d{1,3}" + re.escape(marks[0]) + r"\d{3}", text):
            return text.replace(marks[0], "")
    return text.replace(",", ".")


class NumberInput(forms.TextInput):
    """A text box for a number (a number box refuses the comma), shown with the decimal mark
    of the page's language and without trailing zeros."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, Decimal):
            text = format(value.normalize(), "f")
            return text.replace(".", formats.get_format("DECIMAL_SEPARATOR"))
        return super().format_value(value)


class DecimalCommaField(forms.DecimalField):
    """A decimal that accepts a decimal comma as Dutch people type it ("112,5")."""

    widget = NumberInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", VALUE_DIGITS["max_digits"])
        kwargs.setdefault("decimal_places", MAX_DECIMALS)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = normalise_number(value)
        return super().to_python(value)

    def widget_attrs(self, widget):
        # A text box: the browser's own step and min checks do not apply.
        return {}


class KPIForm(forms.ModelForm):
    """A KPI's definition; the organisation is asked only of managers of several."""

    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none()
    )

    class Meta:
        model = KPI
        fields = ["organization", *KPI.DEFINITION_FIELDS]
        field_classes = {
            "baseline_value": DecimalCommaField,
            "target_value": DecimalCommaField,
            "min_value": DecimalCommaField,
            "max_value": DecimalCommaField,
        }
        widgets = {"baseline_on": DateInput(), "target_on": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            organizations = Organization.objects.filter(pk=self.instance.organization_id)
        else:
            organizations = Organization.objects.managed_by(user)
        self.fields["organization"].queryset = organizations
        if self.instance.pk or len(organizations) == 1:
            self.fields["organization"].initial = organizations[0]
            self.fields["organization"].widget = forms.HiddenInput()
            self.fields["organization"].disabled = True
        self.fields["program"].queryset = Program.objects.filter(
            organization__in=organizations
        ).order_by("name")
        if self.instance.pk and self.instance.measurements.exists():
            for name in FIXED_ONCE_MEASURED:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Fixed: this KPI has measurements.")

    def clean(self):
        cleaned = super().clean()
        organization, program = cleaned.get("organization"), cleaned.get("program")
        if organization and program and program.organization_id != organization.pk:
            self.add_error("program", _("Choose a program of this organisation."))
        return cleaned

    def _post_clean(self):
        # The service checks the whole row, with the acting manager; the form only reads it.
        pass

    def service_fields(self) -> dict:
        """The cleaned values in the shape the KPI services take."""
        data = dict(self.cleaned_data)
        data.pop("organization")
        return data


class MeasurementForm(forms.Form):
    """One value of a KPI: its subject (per the KPI's level), a day of the period, the value
    with the KPI's unit next to it, and whether it corrects the value already there."""

    period = forms.DateField(
        label=_("Day in the period"),
        widget=DateInput(),
        help_text=_("Any day of the week, month or quarter measured."),
    )
    value = DecimalCommaField(label=_("Value"))
    correction = forms.BooleanField(
        label=_("Correct the value already recorded"),
        required=False,
        help_text=_("The earlier value stays visible in the history."),
    )

    def __init__(self, *args, kpi: KPI, **kwargs):
        kwargs.setdefault("initial", {"period": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.kpi = kpi
        self.subject_field = {
            SubjectLevel.LEARNER: "learner",
            SubjectLevel.TEAM: "team",
            SubjectLevel.GROUP: "cohort",
            SubjectLevel.PROGRAM: "program",
        }.get(kpi.subject_level)
        members = Membership.objects.filter(organization=kpi.organization_id)
        if self.subject_field == "learner":
            self.fields["learner"] = forms.EmailField(
                label=_("E-mail address of the learner"),
                widget=forms.EmailInput(attrs={"autocomplete": "off"}),
            )
        elif self.subject_field == "team":
            teams = members.exclude(team="").values_list("team", flat=True).distinct()
            self.fields["team"] = forms.ChoiceField(
                label=_("Team"), choices=[("", "---------")] + [(t, t) for t in sorted(teams)]
            )
        elif self.subject_field == "cohort":
            groups = Cohort.objects.filter(program__organization=kpi.organization_id)
            if kpi.program_id:
                groups = groups.filter(program=kpi.program_id)
            self.fields["cohort"] = forms.ModelChoiceField(
                label=_("Group"), queryset=groups.order_by("-starts_on", "name")
            )
        elif self.subject_field == "program":
            programs = Program.objects.filter(organization=kpi.organization_id)
            if kpi.program_id:
                programs = programs.filter(pk=kpi.program_id)
            # A KPI of one program is measured for that program: chosen already.
            self.fields["program"] = forms.ModelChoiceField(
                label=_("Program"), queryset=programs.order_by("name"), initial=kpi.program_id
            )
        self.fields["value"].help_text = _("A decimal comma is fine: 112,5.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        value = AppendedText("value", kpi.unit) if kpi.unit else "value"
        self.helper.layout = Layout(
            *([self.subject_field] if self.subject_field else []), "period", value, "correction"
        )

    def clean_learner(self):
        email = self.cleaned_data["learner"].lower()
        learner = User.objects.filter(
            email=email, memberships__organization=self.kpi.organization_id
        ).first()
        if learner is None:
            raise forms.ValidationError(_("Nobody in your organisation has this e-mail address."))
        return learner

    def service_fields(self) -> dict:
        """The cleaned values in the shape `measurement_record` takes."""
        return dict(self.cleaned_data)


class MeasurementImportForm(forms.Form):
    """The file of a KPI's values; reading it is the form's check, so an unreadable file is
    this field's error."""

    file = forms.FileField(
        label=_("File with values (.xlsx, .ods, .xls or .csv)"),
        help_text=_(
            "A title above the header, blank rows and decimal commas are fine. At most 2 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.ods,.xls,.csv,.txt"}),
    )

    def __init__(self, *args, kpi: KPI, **kwargs):
        super().__init__(*args, **kwargs)
        self.kpi = kpi

    def clean_file(self):
        from kpis import imports  # noqa: PLC0415 - it reads numbers with this module's rules

        uploaded = self.cleaned_data["file"]
        try:
            self.rows, self.from_cells = imports.read_rows(self.kpi, uploaded)
        except imports.ImportFileError as error:
            raise forms.ValidationError(str(error)) from error
        return uploaded
