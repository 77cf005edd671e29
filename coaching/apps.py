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
