"""Rights: the admins' licence list, each asset's licence, note, embargo and expiry,
and the rights state its files were last put in (see dam.rights, renditions.rights)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("dam", "0007_similar")]

    operations = [
        migrations.CreateModel(
            name="Licence",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True)),
                ("description", models.TextField(blank=True,
                                                 help_text="What it allows; public.")),
            ],
            options={"ordering": ["name"]},
        ),
        migrations.AddField(
            model_name="asset", name="licence",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="assets", to="dam.licence")),
        migrations.AddField(
            model_name="asset", name="licence_note",
            field=models.TextField(blank=True, help_text="The licence's particulars. "
                                   "Private: viewers only.")),
        migrations.AddField(
            model_name="asset", name="embargo_until",
            field=models.DateTimeField(blank=True, db_index=True, null=True,
                                       help_text="Not delivered before this moment.")),
        migrations.AddField(
            model_name="asset", name="expires_at",
            field=models.DateTimeField(blank=True, db_index=True, null=True,
                                       help_text="Not delivered from this moment on.")),
        migrations.AddField(
            model_name="asset", name="rights_applied",
            field=models.CharField(default="ok", editable=False, max_length=12)),
    ]
