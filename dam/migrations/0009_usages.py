"""Usages: where sites use an asset (issue 24, must-have 3)."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("dam", "0008_rights"),
                    migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name="Usage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("url", models.URLField(help_text="The page's URL (http or https).",
                                        max_length=2000)),
                ("site", models.CharField(blank=True, help_text='The site: "www.example.com" '
                                          'or a name.', max_length=255)),
                ("rendition", models.CharField(blank=True, help_text='A profile slug or a '
                                               'frame size ("800x450").', max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("last_seen_at", models.DateTimeField()),
                ("asset", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                            related_name="usages", to="dam.asset")),
                ("recorded_by", models.ForeignKey(blank=True, null=True,
                                                  on_delete=django.db.models.deletion.SET_NULL,
                                                  related_name="+",
                                                  to=settings.AUTH_USER_MODEL)),
            ],
            options={"ordering": ["-last_seen_at", "-id"]},
        ),
        migrations.AddConstraint(
            model_name="usage",
            constraint=models.UniqueConstraint(fields=("asset", "url", "rendition"),
                                               name="unique_usage"),
        ),
    ]
