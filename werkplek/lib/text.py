"""Text from a request as the database can hold it, and the rules every typed name and free
text follows."""

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.deconstruct import deconstructible
from django.utils.formats import number_format
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


def _hidden_characters(value: str) -> list[str]:
    found = dict.fromkeys(
        char
        for char in value
        if char in DIRECTION_CHARACTERS or unicodedata.category(char) in CONTROL_CATEGORIES
    )
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
