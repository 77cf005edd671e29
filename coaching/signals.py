"""Named signals that higher apps (kpis) connect to in their apps.py; sent by services only."""

from django.dispatch import Signal

# Sent inside the transaction that records or corrects a feedback moment (with its levels
# and sign-offs), with `enrolment_ids`.
feedback_recorded = Signal()
# Sent inside the transaction that hands in a reflection, with `enrolment_ids`.
reflection_submitted = Signal()
