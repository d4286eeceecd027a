"""The audit log (access.AuditEvent)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('kind', models.CharField(choices=[('signed_in', 'Signed in'), ('signin_failed', 'Sign-in failed'), ('locked_out', 'Locked out'), ('token_created', 'API token created'), ('refused', 'Permission refused')], db_index=True, max_length=16)),
                ('username', models.CharField(blank=True, help_text='The name given at sign-in (it may not exist).', max_length=150)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('path', models.CharField(blank=True, max_length=255)),
                ('detail', models.TextField(blank=True)),
                ('count', models.PositiveIntegerField(default=1, help_text="Times it happened: the same event within ACCESS['FOLD_SECONDS'] of the first adds here, not a row.")),
                ('last_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('user', models.ForeignKey(blank=True, help_text="The signed-in user or the token's owner, if any.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'audit event',
                'ordering': ['-at', '-id'],
            },
        ),
    ]
