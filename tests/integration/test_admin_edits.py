"""The Django admin's edits of an asset's described fields go through the API's service
(``renditions.describing``): checked by the same rules, recorded in the history with
their before and after, revertible, and followed by the same side effects."""
from __future__ import annotations

import pytest
from django.urls import reverse

from dam import services as dam_services
from dam.models import Asset, Collection
from renditions import editing
from renditions.models import EditEvent
from tests.integration._api import asset, no_queue  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def root(django_user_model, client):
    client.force_login(django_user_model.objects.create_superuser("root", password="pw"))
    return client


def _post(client, asset, **changes):
    """The admin's change form as the browser posts it, with ``changes``."""
    url = reverse("admin:dam_asset_change", args=[asset.pk])
    page = client.get(url).context
    form = page["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if hasattr(field.widget, "decompress"):  # date and time: two inputs
            for i, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{i}"] = "" if part is None else str(part)
        else:
            data[name] = "" if value is None else value
    for inline in page["inline_admin_formsets"]:  # versions and usages: read only
        management = inline.formset.management_form
        data.update({f"{inline.formset.prefix}-{name}": management[name].value()
                     for name in management.fields})
    data.update(changes)
    return client.post(url, data)


def test_an_admin_edit_is_recorded_and_revertible(root, asset, no_queue):
    no_queue.clear()  # the upload's
    response = _post(root, asset, caption="Storm over the harbour", credit="Reuters",
                     tags="harbour, storm")
    assert response.status_code == 302, response.context["adminform"].form.errors
    asset.refresh_from_db()
    assert asset.caption == "Storm over the harbour"
    assert sorted(asset.tags.names()) == ["harbour", "storm"]
    event = EditEvent.objects.get(asset=asset, kind="metadata")
    assert event.user.username == "root"
    assert event.after == {"caption": "Storm over the harbour", "credit": "Reuters",
                           "keywords": ["harbour", "storm"]}
    assert event.before["caption"] == "" and event.before["keywords"] == []
    assert no_queue == [asset.pk]  # the credit travels in the files: new renditions
    editing.edit_revert(event=event, user=event.user)
    asset.refresh_from_db()
    assert (asset.caption, list(asset.tags.names())) == ("", [])


def test_the_admin_refuses_what_the_api_refuses(root, asset):
    assert _post(root, asset, embargo_until_0="2026-12-05",
                 embargo_until_1="00:00:00").status_code == 302
    late = _post(root, asset, expires_at_0="2026-12-04", expires_at_1="00:00:00")
    assert late.status_code == 200  # the form again, with the reason
    assert "ends before the embargo lifts" in late.content.decode()
    control = _post(root, asset, caption="bell\x07")
    assert control.status_code == 200
    asset.refresh_from_db()
    assert asset.expires_at is None and asset.caption == ""
    assert EditEvent.objects.filter(asset=asset).count() == 1  # the embargo's


def test_a_move_in_the_admin_is_recorded(root, asset):
    news = dam_services.collection_create(name="News", parent=Collection.objects.get(depth=1))
    assert _post(root, asset, collection=news.pk).status_code == 302
    assert Asset.objects.get(pk=asset.pk).collection_id == news.pk
    event = EditEvent.objects.get(asset=asset, kind="metadata")
    assert event.after == {"collection": news.pk}
