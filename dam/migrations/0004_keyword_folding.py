"""PostgreSQL's unaccent extension, for keyword suggestions that ignore accents
(``dam.folding``); nothing on SQLite. A trusted extension since PostgreSQL 13: the
database's owner may create it."""
from django.db import migrations


def unaccent_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")


class Migration(migrations.Migration):

    dependencies = [
        ("dam", "0003_metadata"),
    ]

    operations = [
        migrations.RunPython(unaccent_create, migrations.RunPython.noop, elidable=True),
    ]
