"""Named signals that higher apps (kpis) connect to in their apps.py; sent by services only."""

from django.dispatch import Signal

# Sent inside the transaction that records an ending, with `enrolment_ids`.
enrolment_ended = Signal()
