from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WerkplekConfig(AppConfig):
    name = "werkplek"
    verbose_name = _("People and organisations")

    def ready(self):
        from werkplek import mails, outbox, personal_records

        outbox.register_kind(mails.PASSWORD_RESET, mails.render_password_reset)
        personal_records.register_part()
