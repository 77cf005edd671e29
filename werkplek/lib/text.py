"""Text from a request as the database can hold it, and the rules every typed name and free
text follows."""

import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import translation
from django.utils.deconstruct import deconstructible
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# PostgreSQL refuses a NUL character in any string, also one it only compares with: a query
# holding one fails. Nobody types one; a crafted link or form does.
NUL = "\x00"


def search_text(value) -> str:
    """What a search box sent, ready to compare: trimmed, without NUL characters."""
    return str(value or "").replace(NUL, "").strip()


def has_nul(value: str) -> bool:
    """Whether `value` holds a NUL: such a token or key can match no stored one."""
    return NUL in value


# Invisible characters that change how text around them is shown: the bidirectional
# embeddings, overrides and isolates and the direction marks. In a name they can make
# "Jan" read as someone else on every page, mail and export that shows it.
DIRECTION_CHARACTERS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Control characters (C0 and C1, NUL, tab and line breaks among them) and the Unicode line
# and paragraph separators: a name is one line of visible text.
CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


# The same characters as a regular expression that PostgreSQL and SQLite (Django gives it
# Python's re) both read, so that the database finds the rows that hold one. NUL is left
# out: PostgreSQL can hold none, and refuses it even in a pattern.
HIDDEN_CHARACTERS_PATTERN = (
    "[\\u0001-\\u001f\\u007f-\\u009f\\u2028\\u2029"
    + "".join(f"\\u{ord(char):04x}" for char in sorted(DIRECTION_CHARACTERS))
    + "]"
)


def is_hidden(char: str) -> bool:
    """Whether a name may not hold `char` (see NameValidator)."""
    return char in DIRECTION_CHARACTERS or unicodedata.category(char) in CONTROL_CATEGORIES


def without_hidden_characters(value: str) -> str:
    """`value` as NameValidator accepts it: its hidden characters removed, trimmed."""
    return "".join(char for char in value if not is_hidden(char)).strip()


def _hidden_characters(value: str) -> list[str]:
    found = dict.fromkeys(char for char in value if is_hidden(char))
    return [f"U+{ord(char):04X}" for char in found]


@deconstructible
class NameValidator:
    """A name or title on one line of visible text: no control characters (NUL, line breaks,
    tabs) and no characters that change the text's direction."""

    message = _(
        "Use letters, digits and punctuation only: this text holds an invisible control or "
        "text-direction character (%(characters)s)."
    )
    code = "hidden_character"

    def __call__(self, value):
        found = _hidden_characters(str(value))
        if found:
            raise ValidationError(
                self.message, code=self.code, params={"characters": ", ".join(found)}
            )

    def __eq__(self, other):
        return isinstance(other, NameValidator)


@deconstructible
class MaxCharactersValidator(MaxLengthValidator):
    """A free text's maximum, said with both numbers as people write them ("at most 5,000
    characters; this text has 6,213"), so the writer knows how much to shorten."""

    message = _("At most %(limit_value)s characters; this text has %(show_value)s.")

    def __call__(self, value):
        length = self.clean(value)
        if self.compare(length, self.limit_value):
            params = {
                "limit_value": number_format(self.limit_value, force_grouping=True),
                "show_value": number_format(length, force_grouping=True),
                "value": value,
            }
            raise ValidationError(self.message, code=self.code, params=params)


def bounded_text(verbose_name, *, max_length: int, **kwargs) -> models.TextField:
    """A free-text field of at most `max_length` characters, checked by the model (so by
    every service, import and form) and given to model forms as their limit."""
    return models.TextField(
        verbose_name,
        max_length=max_length,
        validators=[MaxCharactersValidator(max_length)],
        **kwargs,
    )


def length_check(field_name: str, max_length: int, *, name: str) -> models.CheckConstraint:
    """The same limit in the database, for a write that skips the model's checks."""
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field_name), max_length), name=name
    )


# --- Names stored before NameValidator: cleaned once, by a migration per app ------------


def clean_stored_names(apps, app_label: str) -> int:
    """Remove the hidden characters from the names `app_label` stored before NameValidator
    existed: every field that has the validator, in every model as `apps` (a migration's
    state) has it. The database finds the rows. A name that held nothing else becomes empty
    where the field may be blank, else "<Model> #<id>"; where the clean name is taken already
    (names are unique per organisation or group), the row's id is added to it. Audit rows
    stay as they were written. Answers how many values changed."""
    changed = 0
    for model in apps.get_app_config(app_label).get_models():
        if model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            if not any(isinstance(check, NameValidator) for check in field.validators):
                continue
            found = model._base_manager.filter(
                **{f"{field.attname}__regex": HIDDEN_CHARACTERS_PATTERN}
            )
            for pk, value in found.values_list("pk", field.attname):
                _store_clean_name(model, field, pk, value)
                changed += 1
    return changed


def _store_clean_name(model, field, pk, value: str) -> None:
    clean = without_hidden_characters(value)
    if not clean and not field.blank:
        with translation.override(settings.LANGUAGE_CODE):
            clean = f"{capfirst(gettext(model._meta.verbose_name))} #{pk}"
    suffix = f" ({pk})"
    taken = f"{clean[: field.max_length - len(suffix)]}{suffix}".strip()
    rows = model._base_manager.filter(pk=pk)
    try:
        with transaction.atomic():
            rows.update(**{field.attname: clean})
    except IntegrityError:
        with transaction.atomic():
            rows.update(**{field.attname: taken})


def clean_stored_names_operation(app_label: str):
    """A data migration's operation: `clean_stored_names` for `app_label`."""
    from django.db import migrations

    def forwards(apps, schema_editor):
        clean_stored_names(apps, app_label)

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)
