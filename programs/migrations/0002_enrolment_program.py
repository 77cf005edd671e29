# An enrolment names its program itself (a copy of its group's), so that migration 0003 can
# allow one running enrolment per learner per program. Filling the column is a migration of
# its own: on PostgreSQL a table cannot be altered in the transaction that just updated it.

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_program_from_group(apps, schema_editor):
    Cohort = apps.get_model("programs", "Cohort")
    Enrolment = apps.get_model("programs", "Enrolment")
    Enrolment.objects.update(
        program=Subquery(Cohort.objects.filter(pk=OuterRef("cohort")).values("program")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ('programs', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='enrolment',
            name='program',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='enrolments', to='programs.program', verbose_name='program'),
        ),
        migrations.RunPython(copy_program_from_group, migrations.RunPython.noop, elidable=True),
    ]
