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

#: An asset's rights state changed and its files were withheld or restored
#: (``renditions.rights``): ``asset_id``, ``before`` and ``after`` ("ok",
#: "embargoed", "expired"; see ``dam.rights``).
rights_changed = Signal()

#: CDNs should drop an asset's answers (``renditions.cdn.webhook_purger``, the
#: default purger): ``purge``, a dict with ``asset`` (its id), ``keys`` (surrogate
#: keys), ``urls`` and ``reason``. Sent once the change committed.
cdn_purge = Signal()
