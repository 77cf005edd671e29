from django.db import migrations

from werkplek.audit import lock_history_tables


class Migration(migrations.Migration):
    """The progress reviews' history tables refuse edits like every other history table
    (0013 added them without; tests/werkplek/test_history_locked.py found it)."""

    dependencies = [
        ("coaching", "0013_progress_review"),
    ]

    operations = [
        lock_history_tables("coaching"),
    ]
