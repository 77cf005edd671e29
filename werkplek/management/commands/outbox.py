from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from werkplek import outbox
from werkplek.models import OutboxMessage

Status = OutboxMessage.Status
FAILED_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Show the outbox: how many messages are queued, sending, sent, failed and cancelled, "
        "and the latest failed ones; put failed messages back in the queue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--resend", type=int, nargs="+", metavar="ID", help="queue these failed messages again"
        )
        parser.add_argument(
            "--resend-failed", action="store_true", help="queue every failed message again"
        )

    def handle(self, *args, resend=None, resend_failed=False, **options):
        if resend or resend_failed:
            failed = OutboxMessage.objects.filter(status=Status.FAILED)
            ids = failed.values_list("pk", flat=True) if resend_failed else resend
            not_failed = set(resend or []) - set(
                failed.filter(pk__in=resend or []).values_list("pk", flat=True)
            )
            if not_failed:
                raise CommandError(
                    f"not failed, so not sent again: {', '.join(map(str, sorted(not_failed)))}"
                )
            count = outbox.resend(message_ids=list(ids))
            self.stdout.write(self.style.SUCCESS(f"{count} message(s) queued again."))
            return
        counts = dict(
            OutboxMessage.objects.values_list("status").annotate(n=Count("pk")).order_by()
        )
        for status in Status:
            self.stdout.write(f"{status.value:<10} {counts.get(status.value, 0)}")
        failed = (
            OutboxMessage.objects.filter(status=Status.FAILED)
            .select_related("recipient")
            .order_by("-next_attempt_at", "-pk")[:FAILED_SHOWN]
        )
        if counts.get(Status.FAILED):
            self.stdout.write(f"\nLatest failed (at most {FAILED_SHOWN}):")
        for message in failed:
            error = message.last_error.strip().splitlines()[-1:] or [""]
            self.stdout.write(
                f"{message.pk:>8}  {message.kind:<16} {message.to:<32} {message.due_slot:<20} "
                f"tries={message.attempts}  {error[0][:120]}"
            )
