from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def create_builtin_methods(sender, using="default", **kwargs):
    """Make sure every built-in learning method has its row.

    Done after every migrate, like Django's content types, so that the rows also come back
    after a flush (which test databases do between transactional tests).
    """
    from programs.choices import BuiltinMethod
    from programs.models import Method

    for builtin in BuiltinMethod.values:
        Method.objects.using(using).get_or_create(organization=None, builtin=builtin)


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Learning programs")

    def ready(self):
        from programs import mails
        from werkplek import outbox

        post_migrate.connect(create_builtin_methods, sender=self)
        outbox.register_kind(mails.INVITATION, mails.render_invitation)

        # The needs analysis' request to rate a program's goals: anyone may be asked, and
        # anyone may turn these mails off; it waits for the person's working hours.
        from programs.needs import mails as needs_mails
        from werkplek import notifications
        from werkplek.choices import Role

        outbox.register_kind(
            needs_mails.NEEDS_REQUEST, needs_mails.render_needs_request, waits_for_recipient=True
        )
        notifications.register_in_app_kind(
            needs_mails.NEEDS_REQUEST, needs_mails.describe_needs_request
        )
        notifications.register_optional_kind(
            needs_mails.NEEDS_REQUEST,
            _("Requests to rate a program's learning goals"),
            roles=set(Role),
        )

        # What it holds about a person: exported, listed on the privacy page, erased.
        from programs import personal_records

        personal_records.register_part()
