"""The asset: one uploaded original and what we know about it."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.postgres.search import SearchVectorField
from django.db import IntegrityError, models, transaction
from taggit.managers import TaggableManager
from treebeard.mp_tree import MP_Node

from .conf import dam_setting
from .storage import get_private_storage


def original_upload_to(asset: "Asset", filename: str) -> str:
    """Originals are stored under their checksum, so a file is never overwritten."""
    ext = (asset.format or "bin").lower()
    prefix = dam_setting("ORIGINALS_PREFIX")
    return f"{prefix}/{asset.sha256[:2]}/{asset.sha256}.{ext}"


class Collection(MP_Node):
    """A folder of the library, nested (materialised path: a sub-collection's
    ``path`` starts with its parent's). The root, "Library", holds everything;
    a group granted a level on a collection has it in every sub-collection."""

    name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    node_order_by = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name under its parents', root left out: "Sport / Football"."""
        return self.label_under(list(Collection.objects.get_ancestors(self)))

    def label_under(self, parents: list["Collection"]) -> str:
        """The label from ``parents`` already fetched (ancestors, root first), so a
        list of collections is labelled from one query of the tree."""
        return " / ".join([p.name for p in parents[1:]] + [self.name])


    @classmethod
    def root(cls) -> "Collection":
        """The root, "Library": made by dam's migrations, or on first need where the
        rows were flushed since (a test database)."""
        root = cls.objects.get_first_root_node()
        if root is None:
            try:
                with transaction.atomic():
                    root = cls.objects.add_root({"name": "Library"})
            except IntegrityError:  # another process made it first
                root = cls.objects.get_first_root_node()
        return root


def root_collection_id() -> int:
    """The default collection of an asset: the root."""
    return Collection.root().pk


class CollectionGrant(models.Model):
    """A group's level on a collection and all its sub-collections (as Wagtail's
    collection permissions): ``dam.roles.GRANTS`` says what each level allows."""

    class Level(models.TextChoices):
        VIEW = "view", "View"
        EDIT = "edit", "Edit"
        REVIEW = "review", "Review"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="collection_grants")
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="grants")
    level = models.CharField(max_length=8, choices=Level.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "collection", "level"],
                                               name="unique_collection_grant")]

    def __str__(self) -> str:
        return f"{self.group} may {self.level} {self.collection}"


class Licence(models.Model):
    """A licence an asset can be under (staff, agency, editorial use only, CC BY...),
    a list the admins maintain; the asset's ``licence_note`` says the rest."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, help_text="What it allows; public.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Asset(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Originals are private: no URL serves them (see dam.storage).
    file = models.FileField(upload_to=original_upload_to, max_length=255,
                            storage=get_private_storage)
    original_filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(help_text="Pixels, after EXIF orientation.")
    height = models.PositiveIntegerField(help_text="Pixels, after EXIF orientation.")
    format = models.CharField(max_length=16)
    title = models.CharField(max_length=255, blank=True)
    alt_text = models.TextField(blank=True)
    # What the photo says about itself (IPTC/XMP/EXIF, read on upload; dam.services).
    headline = models.CharField(max_length=255, blank=True)
    caption = models.TextField(blank=True)
    creator = models.CharField(max_length=255, blank=True, db_index=True)  # a search filter
    credit = models.CharField(max_length=255, blank=True)
    copyright = models.TextField(blank=True)
    usage_terms = models.TextField(blank=True)
    source = models.CharField(max_length=255, blank=True)
    instructions = models.TextField(blank=True, help_text="Private: viewers only.")
    date_created = models.CharField(
        max_length=40, blank=True,
        help_text="ISO 8601 as the photo says it, possibly partial: 2021, 2021-10, "
                  "2021-10-20T21:01:01+00:00.")
    city = models.CharField(max_length=255, blank=True)
    country = models.CharField(max_length=255, blank=True)
    tags = TaggableManager(blank=True, help_text="Keywords.")
    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="assets",
                                   default=root_collection_id)
    # Rights (dam.rights): delivered only between embargo_until and expires_at (UTC).
    licence = models.ForeignKey(Licence, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="assets")
    licence_note = models.TextField(blank=True, help_text="The licence's particulars. "
                                    "Private: viewers only.")
    embargo_until = models.DateTimeField(null=True, blank=True, db_index=True,
                                         help_text="Not delivered before this moment.")
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True,
                                      help_text="Not delivered from this moment on.")
    # The rights state (dam.rights) the files were last put in and announced for:
    # the beat task acts once per change of state (renditions.rights).
    rights_applied = models.CharField(max_length=12, default="ok", editable=False)
    # Private, never in public JSON: every value read by source, GPS and serials included.
    metadata_raw = models.JSONField(default=dict, blank=True)
    metadata_problems = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    error_message = models.TextField(blank=True)
    # How often processing started; guards against a file that kills workers
    # being redelivered for ever (acks_late).
    attempts = models.PositiveSmallIntegerField(default=0)
    # Search: normalised tokens by weight (dam.search.index; written by
    # dam.services.asset_search_refresh). PostgreSQL keeps them as a weighted tsvector
    # with a GIN index (search_vector; always NULL on SQLite), SQLite in the FTS5
    # table ``dam_asset_fts`` (SearchEntry).
    search_a = models.TextField(blank=True, default="", editable=False,
                                help_text="Search tokens: title, headline.")
    search_b = models.TextField(blank=True, default="", editable=False,
                                help_text="Search tokens: caption, keywords, alt text.")
    search_c = models.TextField(blank=True, default="", editable=False,
                                help_text="Search tokens: creator, credit, city, country, "
                                          "file name.")
    search_vector = SearchVectorField(null=True, editable=False)
    # Near-duplicates: the photo's perceptual hash (pHash, 64 bits, stored signed:
    # dam.hamming.to_signed) and its four 16-bit bands, each indexed, through which
    # dam.selectors.assets_similar finds hashes a few bits away. NULL: not hashed yet
    # (``manage.py similar_backfill``) or not decodable.
    image_hash = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    hash_band0 = models.PositiveIntegerField(null=True, editable=False, db_index=True)
    hash_band1 = models.PositiveIntegerField(null=True, editable=False, db_index=True)
    hash_band2 = models.PositiveIntegerField(null=True, editable=False, db_index=True)
    hash_band3 = models.PositiveIntegerField(null=True, editable=False, db_index=True)
    # The trash (renditions.trash): set, the asset is in it, delivered nowhere, seen only
    # in the trash, and purged DAM["TRASH_DAYS"] after this moment (renditions.purge).
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   editable=False, on_delete=models.SET_NULL, related_name="+")
    # Set when its purge began: it can no longer be restored (its files may be gone).
    purge_started_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("purge_asset", "Can delete an asset for good, at once")]

    def __str__(self) -> str:
        return self.title or self.original_filename

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6


class Resemblance(models.Model):
    """``asset`` looks like ``other``: their perceptual hashes are ``distance`` bits
    apart (dam.hamming). Written both ways when the later one is uploaded or hashed
    (dam.services.asset_resemblances_link); removed with either asset."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="resemblances")
    other = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    distance = models.PositiveSmallIntegerField(help_text="Bits apart, of 64.")

    class Meta:
        ordering = ["distance", "other_id"]
        constraints = [models.UniqueConstraint(fields=["asset", "other"],
                                               name="unique_resemblance")]

    def __str__(self) -> str:
        return f"{self.asset} looks like {self.other} ({self.distance} bits)"


class SearchEntry(models.Model):
    """SQLite only: a row of the FTS5 table over the assets' search columns, so the
    ORM can join it (``Asset.objects.filter(search_entry__match=...)``). PostgreSQL
    has no such table and never queries it (dam.search.index)."""

    asset = models.OneToOneField(Asset, primary_key=True, db_column="rowid",
                                 db_constraint=False, on_delete=models.DO_NOTHING,
                                 related_name="search_entry")
    # FTS5's hidden columns: the table's own name takes a MATCH ("=" is MATCH there),
    # ``rank`` is bm25 with the column weights (lower is better).
    match = models.TextField(db_column="dam_asset_fts")
    rank = models.FloatField(db_column="rank")

    class Meta:
        managed = False
        db_table = "dam_asset_fts"


class Usage(models.Model):
    """Where a site uses an asset: the page at ``url`` on ``site``, showing
    ``rendition`` (a profile slug, a frame size like "800x450", or "" when not said).
    Recording the same (asset, url, rendition) again only moves ``last_seen_at``
    (dam.usages.usage_record), so a site may record on every publish."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="usages")
    url = models.URLField(max_length=2000, help_text="The page's URL (http or https).")
    site = models.CharField(max_length=255, blank=True,
                            help_text='The site: "www.example.com" or a name.')
    rendition = models.CharField(max_length=64, blank=True,
                                 help_text='A profile slug or a frame size ("800x450").')
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["asset", "url", "rendition"],
                                               name="unique_usage")]

    def __str__(self) -> str:
        return f"{self.asset} on {self.url}"


def version_upload_to(version: "AssetVersion", filename: str) -> str:
    """A previous original, under its asset and its checksum: one file per distinct
    content of an asset, whatever how often it was replaced and restored."""
    ext = (version.format or "bin").lower()
    return f"{dam_setting('VERSIONS_PREFIX')}/{version.asset.uid}/{version.sha256}.{ext}"


class AssetVersion(models.Model):
    """An asset's previous original, kept when an editor replaced it (``dam.versions``),
    private like every original, and what restoring it needs: the description and the
    editor's decisions as they were (``metadata``, ``decisions``: JSON snapshots).
    ``asset.versions.all()`` with ``file`` is everything it holds in storage."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(help_text="1, 2, ... per asset, oldest first.")
    file = models.FileField(upload_to=version_upload_to, max_length=255,
                            storage=get_private_storage)
    original_filename = models.CharField(max_length=255)
    format = models.CharField(max_length=16)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(help_text="Pixels, after EXIF orientation.")
    height = models.PositiveIntegerField(help_text="Pixels, after EXIF orientation.")
    metadata = models.JSONField(default=dict, blank=True,
                                help_text="The asset's description then, keywords included.")
    decisions = models.JSONField(default=dict, blank=True,
                                 help_text="The focal point and crops then (normalised 0-1).")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["asset", "number"],
                                               name="unique_asset_version")]

    def __str__(self) -> str:
        return f"{self.asset} · version {self.number}"
