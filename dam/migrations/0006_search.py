"""Search: the weighted token columns, filled for existing assets, and their index
(PostgreSQL: their weighted tsvector, GIN-indexed; SQLite: an FTS5 table kept by
triggers).
See dam/search/."""
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

from dam.search import index, schema


def fill(apps, schema_editor):
    Asset = apps.get_model("dam", "Asset")
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    keywords = {}
    for object_id, name in TaggedItem.objects.filter(
            content_type__app_label="dam", content_type__model="asset").values_list(
            "object_id", "tag__name"):
        keywords.setdefault(object_id, []).append(name)
    assets = list(Asset.objects.all())
    for asset in assets:
        for column, value in index.columns(asset, keywords.get(asset.pk, [])).items():
            setattr(asset, column, value)
    Asset.objects.bulk_update(assets, list(index.COLUMNS), batch_size=500)
    index.vectors_refresh(Asset.objects.all())


def install(apps, schema_editor):
    schema.install(schema_editor, apps.get_model("dam", "Asset"))


def uninstall(apps, schema_editor):
    schema.uninstall(schema_editor, apps.get_model("dam", "Asset"))


class Migration(migrations.Migration):

    dependencies = [
        ("dam", "0005_collections"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="asset", name="search_a",
            field=models.TextField(blank=True, default="", editable=False,
                                   help_text="Search tokens: title, headline."),
        ),
        migrations.AddField(
            model_name="asset", name="search_b",
            field=models.TextField(blank=True, default="", editable=False,
                                   help_text="Search tokens: caption, keywords, alt text."),
        ),
        migrations.AddField(
            model_name="asset", name="search_c",
            field=models.TextField(blank=True, default="", editable=False,
                                   help_text="Search tokens: creator, credit, city, country, "
                                             "file name."),
        ),
        migrations.AddField(
            model_name="asset", name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="asset", name="creator",
            field=models.CharField(blank=True, db_index=True, max_length=255),
        ),
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("asset", models.OneToOneField(
                    db_column="rowid", db_constraint=False,
                    on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True,
                    related_name="search_entry", serialize=False, to="dam.asset")),
                ("match", models.TextField(db_column="dam_asset_fts")),
                ("rank", models.FloatField(db_column="rank")),
            ],
            options={"db_table": "dam_asset_fts", "managed": False},
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(install, uninstall),
    ]
