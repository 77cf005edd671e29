"""The needs analysis' part of a person's data (joined into programs.personal_records): the
requests to rate a program's goals and the ratings given."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.needs.models import NeedsImport, NeedsRating, NeedsRequest
from werkplek.personal_data import Erasing, Kind, Reader, rewrite

KINDS = [
    Kind(
        name="needs_requests",
        model=NeedsRequest,
        about=("person",),
        columns=(
            "analysis__program__name",
            "analysis__round",
            "asked_by__name",
            "asked_at",
            "answered_at",
            "source",
        ),
        label=_("Needs analysis requests"),
        purpose=_("Who asked you to rate a program's learning goals, and whether you answered."),
        readers=frozenset({Reader.PERSON, Reader.MANAGER}),
    ),
    Kind(
        name="needs_ratings",
        model=NeedsRating,
        about=("request__person",),
        columns=(
            "request__analysis__program__name",
            "request__analysis__round",
            "goal__title",
            "importance",
            "ability",
            "source",
            "rated_by__name",
            "rated_at",
        ),
        label=_("Needs analysis ratings"),
        purpose=_(
            "How important each learning goal of a program is in your work and how well you "
            "could do it, before and after the program. Once a round is closed your L&D managers "
            "see averages of at least three people who answered themselves; they also see the "
            "ratings they entered or imported for you."
        ),
        readers=frozenset({Reader.PERSON}),
    ),
]


def erase(erasing: Erasing) -> None:
    """The person's address leaves the imported lists. The ratings are numbers that stay, as
    levels do, so the averages of a program do not change."""
    rewrite(
        NeedsImport,
        Q(rows__icontains=erasing.email),
        lambda preview: {"rows": erasing.redact(preview.rows)},
    )
