"""System checks catch a misconfigured DAM dict at start."""
import pytest
from django.core.checks import run_checks
from django.test import override_settings


def _ids():
    return sorted(message.id for message in run_checks()
                  if message.id.startswith(("dam.", "renditions.")))


def test_default_configuration_passes():
    assert _ids() == []


@override_settings(DAM={"MAX_PIXEL": 10})
def test_misspelt_setting_is_reported():
    assert _ids() == ["dam.E001"]


@override_settings(DAM={"PAGE_SIZE": 0, "SALIENCY_BACKEND": "/nowhere/model.onnx"})
def test_bad_values_are_reported():
    assert _ids() == ["dam.E002", "renditions.E003"]


@override_settings(DAM={"SALIENCY_BACKEND": "magic"})
def test_unknown_backend_is_reported():
    assert _ids() == ["renditions.E004"]


@override_settings(DAM={"RENDER_THREADS": -1})
def test_a_pipeline_setting_is_checked_by_its_own_app():
    assert _ids() == ["renditions.E002"]


def test_the_library_thumbnail_profile_is_checked_against_the_database(default_profiles):
    from renditions.models import RenditionProfile

    def warnings():
        return sorted(m.id for m in run_checks(databases=["default"]) if m.id == "renditions.W001")

    assert warnings() == []
    RenditionProfile.objects.filter(slug="thumb").delete()
    assert warnings() == ["renditions.W001"]
    with override_settings(DAM={"LIBRARY_THUMBNAIL": "square"}):
        assert warnings() == []


@override_settings(DAM={"SEARCH_LANGUAGE": "klingon"})
def test_a_search_language_without_a_stemmer_is_reported():
    assert _ids() == ["dam.E006"]


@pytest.mark.parametrize("distance", [-1, 16, "10", True])
def test_a_near_duplicate_distance_out_of_range_is_reported(distance):
    with override_settings(DAM={"SIMILAR_DISTANCE": distance}):
        assert _ids() == ["dam.E007"]


@pytest.mark.parametrize("distance", [0, 3, 15])
def test_near_duplicate_distances_in_range_pass(distance):
    with override_settings(DAM={"SIMILAR_DISTANCE": distance}):
        assert _ids() == []
