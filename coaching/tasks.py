"""Thin adapters from beat to coaching's services."""

from celery import shared_task

from coaching import reminders


@shared_task
def reflection_reminders_task() -> int:
    """Queue the reflection reminders that are due now (beat, every 15 minutes)."""
    return reminders.reflection_reminders_schedule()
