"""Pending deliveries get a due time, so the sweep can send again what was lost;
those from before are due since they were created."""
from django.db import migrations, models


def due_since_created(apps, schema_editor):
    Delivery = apps.get_model("webhooks", "Delivery")
    Delivery.objects.filter(status="pending", next_attempt_at__isnull=True).update(
        next_attempt_at=models.F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="next_attempt_at",
            field=models.DateTimeField(
                blank=True, db_index=True, null=True,
                help_text="Pending: when the next attempt is due; the sweep sends again what "
                          "is overdue (a task lost with the broker or a worker)."),
        ),
        migrations.RunPython(due_since_created, migrations.RunPython.noop),
    ]
