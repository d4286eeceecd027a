"""Saliency becomes Analysis (it holds the map, the faces and the focal point) and
records what produced it: detector, its version, how face detection ended, and a
key over them. Rows from before have no key, so the next run recomputes them."""
from django.db import migrations, models
import django.db.models.deletion


def rename_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for perm in Permission.objects.filter(content_type__app_label="renditions",
                                          codename__endswith="_saliency"):
        perm.codename = perm.codename.replace("_saliency", "_analysis")
        perm.name = perm.name.replace("saliency", "analysis")
        perm.save()


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("dam", "0002_private_storage"),
        ("renditions", "0004_private_storage"),
    ]

    operations = [
        migrations.RenameModel("Saliency", "Analysis"),
        migrations.AlterModelOptions(name="analysis", options={"verbose_name_plural": "analyses"}),
        migrations.AlterField(
            model_name="analysis", name="asset",
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE,
                                       related_name="analysis", to="dam.asset"),
        ),
        migrations.AddField(
            model_name="analysis", name="key",
            field=models.CharField(blank=True, max_length=64,
                                   help_text="Hash of model version, detector and face outcome."),
        ),
        migrations.AddField(model_name="analysis", name="detector",
                            field=models.CharField(blank=True, max_length=64)),
        migrations.AddField(model_name="analysis", name="detector_version",
                            field=models.CharField(blank=True, max_length=64)),
        migrations.AddField(
            model_name="analysis", name="faces_outcome",
            field=models.CharField(blank=True, max_length=12, choices=[
                ("detected", "Detected"), ("off", "Off"),
                ("unavailable", "Detector not installed"), ("failed", "Detector failed")]),
        ),
        migrations.RunPython(rename_permissions, migrations.RunPython.noop),
    ]
