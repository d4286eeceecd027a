"""Move files that earlier versions kept in the public storage to the private one."""
from django.core.files.storage import default_storage


def move_to_private(model, field: str):
    def forwards(apps, schema_editor):
        from dam.storage import private_storage

        for obj in apps.get_model(*model.split(".")).objects.exclude(**{field: ""}).iterator():
            name = getattr(obj, field).name
            if private_storage.exists(name) or not default_storage.exists(name):
                continue
            with default_storage.open(name, "rb") as fp:
                stored = private_storage.save(name, fp)
            assert stored == name, (stored, name)
            default_storage.delete(name)
    return forwards
