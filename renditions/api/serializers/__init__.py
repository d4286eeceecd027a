"""The API's bodies: what requests carry in, and (for the schema) what comes back.

One module per kind: ``assets`` (``AssetSerializer``, the one description of an asset
that the delivery JSON, the webhooks and this API share) and its ``asset_fields``,
``uploads``, ``edits``, ``frames``, ``profiles`` and ``common`` (root, errors). Views use
them as ``s.Name`` (``from . import serializers as s``), so every name is exported here.
"""
from ..search import AssetListQuery
from .asset_fields import (ElementField, ImageRegionsField, KeywordsField, ProgressField,
                           ProgressOut, RenditionOut, RenditionsField, RightsField,
                           SaliencyField, SaliencyOut, SimilarField, SimilarOut)
from .assets import METADATA, PRIVATE, RIGHTS, AssetSerializer, CollectionRef
from .common import ErrorOut, RootOut
from .edits import (CropIn, CropOut, FocalIn, FocalOut, PlanOut, PlansOut, PlansQuery,
                    RegenerateOut, RevertOut, ReviewState)
from .frames import FrameUrlOut, FrameUrlQuery, page_url_field
from .profiles import ProfileCreatedOut, ProfileSerializer
from .uploads import FileErrorOut, UploadFailedOut, UploadIn, UploadOut

__all__ = [
    "AssetListQuery", "AssetSerializer", "CollectionRef", "CropIn", "CropOut",
    "ElementField", "ErrorOut", "FileErrorOut", "FocalIn", "FocalOut", "FrameUrlOut",
    "FrameUrlQuery", "ImageRegionsField", "KeywordsField", "METADATA", "PRIVATE",
    "PlanOut", "PlansOut", "PlansQuery", "ProfileCreatedOut", "ProfileSerializer",
    "ProgressField", "ProgressOut", "RIGHTS", "RegenerateOut", "RenditionOut",
    "RenditionsField", "RevertOut", "ReviewState", "RightsField", "RootOut",
    "SaliencyField", "SaliencyOut", "SimilarField", "SimilarOut", "UploadFailedOut",
    "UploadIn", "UploadOut", "page_url_field",
]
