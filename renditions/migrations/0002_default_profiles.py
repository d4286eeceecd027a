"""Create the default rendition profiles."""
from django.db import migrations

from ._defaults import create_profiles, remove_profiles


class Migration(migrations.Migration):
    dependencies = [("renditions", "0001_initial")]
    operations = [migrations.RunPython(create_profiles, remove_profiles)]
