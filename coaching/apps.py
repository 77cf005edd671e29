from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = _("Coaching")

    def ready(self):
        # The group page (programs) shows each learner's status by the one definition here.
        from coaching import attention, reminders
        from programs import selectors
        from werkplek import notifications, outbox

        selectors.register_enrolment_statuses(attention.enrolment_statuses)
        outbox.register_kind(reminders.REFLECTION_REMINDER, reminders.render_reflection_reminder)
        notifications.register_optional_kind(
            reminders.REFLECTION_REMINDER, _("Reminders to write a reflection")
        )
