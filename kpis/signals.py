"""Named signals of kpis, sent by its services only; kpis.tasks connects to them in apps.py."""

from django.dispatch import Signal

# Sent inside the transaction that records or corrects measurements (by hand or by import),
# or changes a KPI's definition (its baseline, its decimals), with `kpi_ids`.
kpi_values_changed = Signal()
