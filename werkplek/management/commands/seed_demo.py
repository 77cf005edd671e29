from importlib import import_module
from types import SimpleNamespace

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from werkplek.demo import (
    COACH_EMAIL,
    DEMO_PASSWORD,
    LEARNER_EMAIL,
    LINE_MANAGER_EMAIL,
    MANAGER_EMAIL,
)


class Command(BaseCommand):
    help = "Build (or rebuild, idempotently) a realistic demo organisation with fixed logins."

    def handle(self, *args, **options):
        demo = SimpleNamespace()
        with transaction.atomic():
            for app_config in apps.get_app_configs():
                if module_has_submodule(app_config.module, "demo"):
                    import_module(f"{app_config.name}.demo").seed(demo)
        self.stdout.write(self.style.SUCCESS(f"Demo organisation ready: {demo.organization}"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, email in [
            ("L&D manager", MANAGER_EMAIL),
            ("line manager", LINE_MANAGER_EMAIL),
            ("coach", COACH_EMAIL),
            ("learner", LEARNER_EMAIL),
        ]:
            self.stdout.write(f"  {role:<13} {email}")
