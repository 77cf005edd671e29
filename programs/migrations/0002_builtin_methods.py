from django.db import migrations

BUILTIN = [
    "on_the_job_coaching",
    "micro_learning",
    "peer_learning",
    "blended_learning",
    "simulation",
]


def create_builtin_methods(apps, schema_editor):
    Method = apps.get_model("programs", "Method")
    for key in BUILTIN:
        Method.objects.get_or_create(organization=None, builtin=key, defaults={"name": ""})


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]

    operations = [migrations.RunPython(create_builtin_methods, migrations.RunPython.noop)]
