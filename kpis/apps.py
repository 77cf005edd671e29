from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = _("KPIs")

    def ready(self):
        # The learner's own values of learner-level KPIs show on their progress page.
        from coaching import selectors
        from kpis.selectors import learner_kpis

        selectors.register_progress_panel("kpis/_learner_kpis.html", learner_kpis)

        # The manager's attention list reads each learner's levels from today's snapshot
        # where it is up to date, instead of their whole history.
        from coaching.attention import register_standing_source
        from kpis.selectors import enrolment_standings

        register_standing_source(enrolment_standings)

        # What it holds about a person: exported, listed on the privacy page, erased.
        from kpis import personal_records

        personal_records.register_part()

        # The manager's weekly digest shows each program's progress and KPIs against target.
        from coaching.digest import DigestPart, register_digest_part
        from kpis.selectors import digest_progress

        register_digest_part(
            DigestPart(
                html_template="kpis/email/_digest.html",
                text_template="kpis/email/_digest.txt",
                load=digest_progress,
            )
        )

        # Saving feedback, a reflection or an ending rolls up what it touched (on commit).
        from coaching.signals import feedback_recorded, reflection_submitted
        from kpis.tasks import enqueue_rollup
        from programs.signals import enrolment_ended

        feedback_recorded.connect(enqueue_rollup, dispatch_uid="kpis_rollup_feedback")
        reflection_submitted.connect(enqueue_rollup, dispatch_uid="kpis_rollup_reflection")
        enrolment_ended.connect(enqueue_rollup, dispatch_uid="kpis_rollup_ending")

        # Recorded or corrected measurements, and a changed baseline, roll up the KPI.
        from kpis.signals import kpi_values_changed
        from kpis.tasks import enqueue_kpi_rollup

        kpi_values_changed.connect(enqueue_kpi_rollup, dispatch_uid="kpis_rollup_kpi")
