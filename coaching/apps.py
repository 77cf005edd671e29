from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = _("Coaching")

    def ready(self):
        # The group page (programs) shows each learner's status by the one definition here.
        from coaching import attention
        from programs import selectors

        selectors.register_enrolment_statuses(attention.enrolment_statuses)

        # The coach's nudges and the manager's digest: mailed through the outbox and shown
        # in the app's notification list.
        from coaching import digest, mails
        from werkplek import notifications, outbox

        kinds = {
            mails.FEEDBACK_OVERDUE: (mails.render_feedback_overdue, mails.describe_overdue),
            mails.HELP_ASKED: (mails.render_help_asked, mails.describe_help_asked),
            digest.DIGEST: (digest.render_digest, digest.describe_digest),
        }
        for kind, (render, describe) in kinds.items():
            outbox.register_kind(kind, render)
            notifications.register_kind(kind, describe)
