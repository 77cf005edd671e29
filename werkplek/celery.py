"""The Celery app: broker and options come from Django settings (CELERY_*)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "werkplek.settings")

app = Celery("werkplek")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job lives here, each with a comment saying when it runs (in CELERY_TIMEZONE,
# Europe/Amsterdam). Tasks are named by string: werkplek imports no domain app.
app.conf.beat_schedule = {
    # Every minute: hand due outbox rows to workers (what a down broker never took, retries
    # that came due) and requeue rows whose worker was killed while sending (werkplek.outbox).
    # This is what makes a down broker harmless: saved pages wait at most a minute for it.
    "outbox-sweep": {
        "task": "werkplek.tasks.outbox_sweep",
        "schedule": crontab(),
        "options": {"expires": 55},  # a sweep not run within its minute makes way for the next
    },
    # Every working day at 08:00: nudge each coach whose learner's feedback became overdue
    # (coaching.services.coach_nudges_overdue_feedback); once per overdue episode, so the
    # days after write nothing. Weekends are skipped: overdue counts working days anyway.
    # Each nudge waits for its coach's own allowed moment (werkplek.availability).
    "coaching-nudge-overdue-feedback": {
        "task": "coaching.tasks.nudge_overdue_feedback",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon-fri"),
    },
    # Every day at 07:30: nudge the coach of each learner whose sign-off of a task that is
    # observed again after N days starts expiring, two weeks before it does
    # (coaching.services.coach_nudges_expiring_sign_offs); once per expiry, in batches, so
    # the days after write nothing. Each nudge waits for its coach's own allowed moment
    # (werkplek.availability); weekends are included, as expiry dates are calendar days.
    "coaching-nudge-expiring-sign-offs": {
        "task": "coaching.tasks.nudge_expiring_sign_offs",
        "schedule": crontab(hour=7, minute=30),
    },
    # Every day at 07:45: ask each learner whose enrolment reached its halfway day, in a
    # program that evaluates halfway, to evaluate it (coaching.evaluations.ask_halfway); once
    # per enrolment, so the days after write nothing; a day beat missed is made up within a
    # week. Each request waits for its learner's own allowed moment (werkplek.availability).
    "coaching-ask-halfway-evaluations": {
        "task": "coaching.tasks.ask_halfway_evaluations",
        "schedule": crontab(hour=7, minute=45),
    },
    # Every 15 minutes: write the weekly digest of each L&D manager whose Monday 07:00 has
    # come in their own time zone (coaching.digest); once per manager per ISO week. A
    # quarter-hour finds every time zone's 07:00, including those at :30 and :45.
    "coaching-manager-digests": {
        "task": "coaching.tasks.enqueue_due_digests",
        "schedule": crontab(minute="*/15"),
    },
    # Every 15 minutes: queue the reflection reminders whose local time has come, one per
    # learner per local day (coaching.reminders); a reminder goes out at most 15 minutes
    # after its program's time, and a run beat missed is made up by the next.
    "reflection-reminders": {
        "task": "coaching.tasks.reflection_reminders_task",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * 60},
    },
    # Every night at 03:15: anonymise what outlived the AVG retention period (each
    # organisation's own, else settings' AVG_RETENTION_MONTHS): texts of enrolments that ended
    # before it, and people who left before it (werkplek.personal_data.retention_apply); a
    # run finds nothing twice.
    "avg-retention": {
        "task": "werkplek.tasks.retention_task",
        "schedule": crontab(hour=3, minute=15),
    },
    # Every night at 03:45: forget the one-time tokens of forms posted over a week ago
    # (werkplek.services.form_submissions_prune); a replay later than that is not expected.
    "form-submissions-prune": {
        "task": "werkplek.tasks.form_submissions_prune",
        "schedule": crontab(hour=3, minute=45),
    },
    # Every night at 02:30: rebuild today's KPI snapshots of every program (kpis.rollups).
    "kpis-rollup-all": {
        "task": "kpis.tasks.rollup_all_task",
        "schedule": crontab(hour=2, minute=30),
    },
}
