"""System checks catch a misconfigured DAM dict at start."""
from django.core.checks import run_checks
from django.test import override_settings


def _ids():
    return sorted(message.id for message in run_checks() if message.id.startswith("dam."))


def test_default_configuration_passes():
    assert _ids() == []


@override_settings(DAM={"MAX_PIXEL": 10})
def test_misspelt_setting_is_reported():
    assert _ids() == ["dam.E001"]


@override_settings(DAM={"PAGE_SIZE": 0, "SALIENCY_BACKEND": "/nowhere/model.onnx"})
def test_bad_values_are_reported():
    assert _ids() == ["dam.E002", "dam.E003"]


@override_settings(DAM={"SALIENCY_BACKEND": "magic"})
def test_unknown_backend_is_reported():
    assert _ids() == ["dam.E004"]
