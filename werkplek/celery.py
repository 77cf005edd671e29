"""The Celery app: broker and options come from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "werkplek.settings")

app = Celery("werkplek")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job lives here, each with a comment saying when it runs. None yet: the
# reminders and roll-up issues add theirs.
app.conf.beat_schedule = {}
