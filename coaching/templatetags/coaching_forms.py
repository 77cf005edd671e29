"""The short forms shown inline on a progress page, one per feedback moment or reflection."""

from django import template

from coaching.forms import AddendumForm, ReactionForm

register = template.Library()


@register.simple_tag
def addendum_form(moment) -> AddendumForm:
    """`{% addendum_form moment as form %}`: an empty addendum form whose box is named after
    the moment, so the ids stay unique on a page with many."""
    return AddendumForm(auto_id=f"addendum-{moment.pk}-%s")


@register.simple_tag
def reaction_form(reflection) -> ReactionForm:
    """`{% reaction_form reflection as form %}`: an empty reaction form, ids as above."""
    return ReactionForm(auto_id=f"reaction-{reflection.pk}-%s")
