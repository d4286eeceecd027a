"""What happened to an asset's renditions, for whoever listens (webhooks).

Each is sent once the transaction that made the change commits, with ids only.
"""
from django.dispatch import Signal

#: Processing ended with renditions stored. ``asset_id``; ``profiles``: slugs of
#: the profiles whose rendition is new in this run (empty: nothing changed);
#: ``first``: the asset had no rendition before.
renditions_updated = Signal()

#: Processing failed. ``asset_id``; ``error``: the message shown to editors.
processing_failed = Signal()

#: A reviewer marked a crop. ``asset_id``, ``profile`` (slug), ``review``
#: ("approved", "needs_work" or "pending").
crop_reviewed = Signal()

#: Editors changed assets' descriptions (``renditions.describing``): ``changes``,
#: asset id -> the names of the public fields that changed (title, credit,
#: keywords...). A change of a field the renditions carry is also followed by
#: ``renditions_updated`` once the new files are made.
asset_described = Signal()

#: An editor replaced an asset's original, or restored a previous one
#: (``renditions.replacing``): ``asset_id``, ``version`` (the number the previous
#: original was kept under), ``restored_from`` (the version restored, or None). Its
#: renditions are remade: ``renditions_updated`` follows once they are.
asset_replaced = Signal()

#: An asset's rights state changed and its files were withheld or restored
#: (``renditions.rights``): ``asset_id``, ``before`` and ``after`` ("ok",
#: "embargoed", "expired", "trashed"; see ``dam.rights``).
rights_changed = Signal()

#: An asset leaves for good (``renditions.purge``): ``asset_id``. Sent inside the
#: purge's transaction, before its rows go, so receivers can still read it; what they
#: write commits with the purge (or not at all).
asset_purging = Signal()
#: CDNs should drop an asset's answers (``renditions.cdn.webhook_purger``, the
#: default purger): ``purge``, a dict with ``asset`` (its id), ``keys`` (surrogate
#: keys), ``urls`` and ``reason``. Sent once the change committed.
cdn_purge = Signal()
