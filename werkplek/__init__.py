# Load the Celery app with Django so that tasks enqueued by web requests use its settings.
from werkplek.celery import app as celery_app

__all__ = ["celery_app"]
