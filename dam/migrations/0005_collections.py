"""Collections: a root, "Library", holds every existing asset."""

import dam.models
import django.db.models.deletion
from django.db import migrations, models


def root_create(apps, schema_editor):
    """The root as treebeard's materialised path writes it (steplen 4)."""
    Collection = apps.get_model("dam", "Collection")
    root = Collection.objects.create(path="0001", depth=1, numchild=0, name="Library")
    apps.get_model("dam", "Asset").objects.update(collection=root)


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('dam', '0004_keyword_folding'),
    ]

    operations = [
        migrations.CreateModel(
            name='Collection',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('path', models.CharField(max_length=255, unique=True)),
                ('depth', models.PositiveIntegerField()),
                ('numchild', models.PositiveIntegerField(default=0)),
                ('name', models.CharField(max_length=255)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.AddField(
            model_name='asset',
            name='collection',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='assets', to='dam.collection'),
        ),
        migrations.RunPython(root_create, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='asset',
            name='collection',
            field=models.ForeignKey(default=dam.models.root_collection_id, on_delete=django.db.models.deletion.PROTECT, related_name='assets', to='dam.collection'),
        ),
        migrations.CreateModel(
            name='CollectionGrant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.CharField(choices=[('view', 'View'), ('edit', 'Edit'), ('review', 'Review')], max_length=8)),
                ('collection', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='grants', to='dam.collection')),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='collection_grants', to='auth.group')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('group', 'collection', 'level'), name='unique_collection_grant')],
            },
        ),
    ]
