"""Thin adapters from the broker to werkplek's services: they take ids and do the rest there."""

from celery import shared_task

from werkplek import outbox, personal_data, services


@shared_task
def outbox_deliver(*message_ids: int) -> None:
    """Deliver a batch of outbox rows, those still queued and due (see outbox.deliver)."""
    outbox.deliver(*message_ids)


@shared_task
def outbox_sweep() -> dict[str, int]:
    """Hand due outbox rows to workers and requeue those of killed workers (beat, every minute)."""
    return outbox.sweep()


@shared_task
def retention_task() -> dict[str, int]:
    """Anonymise what outlived the retention period (beat, every night)."""
    return personal_data.retention_apply()


@shared_task
def form_submissions_prune() -> int:
    """Forget old one-time form tokens (beat, nightly)."""
    return services.form_submissions_prune()
