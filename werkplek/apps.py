from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WerkplekConfig(AppConfig):
    name = "werkplek"
    verbose_name = _("People and organisations")

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        from werkplek import mails, outbox, personal_records, signin

        outbox.register_kind(mails.PASSWORD_RESET, mails.render_password_reset)
        personal_records.register_part()
        user_logged_in.connect(signin.session_started, dispatch_uid="werkplek-session-started")
        user_locked_out.connect(signin.log_lockout, dispatch_uid="werkplek-log-lockout")
