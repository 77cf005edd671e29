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
