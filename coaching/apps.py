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
        from werkplek.choices import Role

        selectors.register_enrolment_statuses(attention.group_statuses)

        # Learners, and their last coach, are asked to evaluate when an enrolment ends.
        from coaching import evaluations
        from programs.signals import enrolment_ended

        enrolment_ended.connect(evaluations.ask_after_ending, dispatch_uid="coaching_evaluations")

        # What it holds about a person: exported, listed on the privacy page, erased (rows
        # and their history alike).
        from coaching import personal_records

        personal_records.register_part()

        # Mailed through the outbox; the optional ones listed on the preferences page, and
        # all of them shown in the app's notification list.
        from coaching import digest, mails

        kinds = {
            reminders.REFLECTION_REMINDER: (
                reminders.render_reflection_reminder,
                reminders.describe_reflection_reminder,
                _("Reminders to write a reflection"),
                {Role.LEARNER},
            ),
            mails.FEEDBACK_OVERDUE: (
                mails.render_feedback_overdue,
                mails.describe_overdue,
                _("Nudges when a learner's feedback is overdue"),
                {Role.COACH},
            ),
            mails.HELP_ASKED: (
                mails.render_help_asked,
                mails.describe_help_asked,
                _("Nudges when a learner asks for help"),
                {Role.COACH},
            ),
            mails.THANK_YOU: (
                mails.render_thank_you,
                mails.describe_thank_you,
                _("Thank-you notes from your L&D manager"),
                {Role.COACH},
            ),
            mails.SIGN_OFF_EXPIRING: (
                mails.render_sign_off_expiring,
                mails.describe_sign_off_expiring,
                _("Nudges when a learner's sign-off is about to expire"),
                {Role.COACH},
            ),
            evaluations.EVALUATION_ASKED: (
                evaluations.render_evaluation_asked,
                evaluations.describe_evaluation_asked,
                _("Requests to evaluate a program"),
                {Role.LEARNER, Role.COACH},
            ),
            digest.DIGEST: (
                digest.render_digest,
                digest.describe_digest,
                _("Weekly digest of your programs"),
                {Role.MANAGER},
            ),
        }
        after_sent = {reminders.REFLECTION_REMINDER: reminders.reflection_reminder_sent}
        preload = {reminders.REFLECTION_REMINDER: reminders.preload_reflection_reminders}
        for kind, (render, describe, label, roles) in kinds.items():
            # Each waits for its recipient's allowed moment (werkplek.availability).
            outbox.register_kind(
                kind,
                render,
                waits_for_recipient=True,
                after_sent=after_sent.get(kind),
                preload=preload.get(kind),
            )
            notifications.register_in_app_kind(kind, describe)
            notifications.register_optional_kind(kind, label, roles=roles)
