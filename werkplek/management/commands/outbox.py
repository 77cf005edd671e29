from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from werkplek import outbox
from werkplek.models import OutboxMessage

Status = OutboxMessage.Status
SHOWN = 50


class Command(BaseCommand):
    help = (
        "Show the outbox: how many messages are queued, sending, sent, failed, cancelled and "
        "uncertain (they may have gone out), and the latest failed and uncertain ones; put "
        "failed or uncertain messages back in the queue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--resend",
            type=int,
            nargs="+",
            metavar="ID",
            help="queue these failed or uncertain messages again (check an uncertain one did "
            "not arrive first)",
        )
        parser.add_argument(
            "--resend-failed",
            action="store_true",
            help="queue every failed message again (uncertain ones only by --resend)",
        )

    def handle(self, *args, resend=None, resend_failed=False, **options):
        if resend or resend_failed:
            if resend_failed:
                ids = OutboxMessage.objects.filter(status=Status.FAILED).values_list(
                    "pk", flat=True
                )
            else:
                ids = resend
                resendable = OutboxMessage.objects.filter(
                    pk__in=resend, status__in=outbox.RESENDABLE
                ).values_list("pk", flat=True)
                if refused := set(resend) - set(resendable):
                    raise CommandError(
                        "neither failed nor uncertain, so not sent again: "
                        + ", ".join(map(str, sorted(refused)))
                    )
            count = outbox.resend(message_ids=list(ids))
            self.stdout.write(self.style.SUCCESS(f"{count} message(s) queued again."))
            return
        counts = dict(
            OutboxMessage.objects.values_list("status").annotate(n=Count("pk")).order_by()
        )
        for status in Status:
            self.stdout.write(f"{status.value:<10} {counts.get(status.value, 0)}")
        self._latest(counts, Status.FAILED, "Latest failed")
        self._latest(
            counts,
            Status.UNCERTAIN,
            "May have gone out: check with the recipient, then --resend ID if it did not",
        )

    def _latest(self, counts, status, title):
        if not counts.get(status):
            return
        self.stdout.write(f"\n{title} (at most {SHOWN}):")
        rows = (
            OutboxMessage.objects.filter(status=status)
            .select_related("recipient")
            .order_by("-next_attempt_at", "-pk")[:SHOWN]
        )
        for message in rows:
            error = message.last_error.strip().splitlines()[-1:] or [""]
            self.stdout.write(
                f"{message.pk:>8}  {message.kind:<16} {message.to:<32} {message.due_slot:<20} "
                f"tries={message.attempts}  {error[0][:120]}"
            )
