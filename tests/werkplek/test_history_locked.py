"""Every history table refuses UPDATE and DELETE on PostgreSQL: a model that gains history
without `lock_history_tables` in its migration fails here, not in an audit."""

import pytest
from django.apps import apps
from django.db import connection
from simple_history.models import HistoricalChanges

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's"),
]


def test_every_history_table_has_the_never_edited_trigger():
    tables = {
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges)  # versions, and the m2m choices they keep
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'audit_rows_never_edited' AND NOT t.tgisinternal"
        )
        locked = {name for (name,) in cursor.fetchall()}
    assert len(tables) >= 19
    assert tables - locked == set()
