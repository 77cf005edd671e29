"""Template filters that ask the models' access rules, so templates never restate them."""

from django import template

register = template.Library()


@register.filter
def can_be_edited_by(moment, user) -> bool:
    """`{% if moment|can_be_edited_by:user %}`: FeedbackMoment.can_be_edited_by."""
    return moment.can_be_edited_by(user)


@register.filter
def is_overdue_on(dated, day) -> bool:
    """`{% if reflection|is_overdue_on:today %}`: Reflection (or ProgressReview).is_overdue_on."""
    return dated.is_overdue_on(day)
