"""Beat jobs of coaching: thin adapters that call the services (schedules in werkplek/celery.py)."""

from celery import shared_task
from django.utils import timezone

from coaching import digest, evaluations, reminders, services


@shared_task
def reflection_reminders_task() -> int:
    """Queue the reflection reminders that are due now (beat, every 15 minutes)."""
    return reminders.reflection_reminders_schedule()


@shared_task
def nudge_overdue_feedback() -> int:
    """Nudge coaches whose learner's feedback became overdue today (once per episode)."""
    return services.coach_nudges_overdue_feedback(on=timezone.localdate())


@shared_task
def enqueue_due_digests() -> int:
    """Write the weekly digest of every manager whose Monday 07:00 has come."""
    return digest.digests_enqueue_due()


@shared_task
def nudge_expiring_sign_offs() -> int:
    """Nudge coaches whose learner's sign-off starts expiring (once per expiry)."""
    return services.coach_nudges_expiring_sign_offs(on=timezone.localdate())


@shared_task
def ask_halfway_evaluations() -> int:
    """Ask learners whose enrolment reached its halfway day to evaluate (once each)."""
    return evaluations.ask_halfway(on=timezone.localdate())
