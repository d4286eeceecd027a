"""What the assets app asks of the app that processes its files.

``dam`` never imports ``renditions`` (an import contract in pyproject.toml holds
it): it sends these signals and the renditions app, which connects to them when
it starts (``renditions.apps``), does the work.
"""
from django.dispatch import Signal

#: An asset's files should be (re)made once the current transaction commits.
#: Arguments: ``asset_id`` (int), ``profile_ids`` (list of int, or None for all).
processing_requested = Signal()

#: Queue again the assets stuck queued or processing since before ``before``
#: (a datetime, or None for the DAM STUCK_AFTER cutoff).
sweep_requested = Signal()

#: An asset's photo metadata was read again (``manage.py read_metadata``), after commit.
#: Arguments: ``asset_id`` (int).
metadata_read = Signal()
