"""The transparent heat-map layer the editor lays over the photo."""
import numpy as np

from renditions.engine import heatmap


def test_layer_is_transparent_where_nothing_is_salient_and_keeps_the_aspect():
    sal = np.zeros((30, 40), np.float32)
    sal[10:20, 25:35] = 1.0
    sal /= sal.sum()
    layer = heatmap.layer(sal, longest=80)
    assert layer.mode == "RGBA" and layer.size == (80, 60)
    alpha = np.asarray(layer)[..., 3]
    assert alpha[0, 0] == 0 and alpha[30, 60] > 200
    assert tuple(np.asarray(layer)[30, 60, :3]) == tuple(heatmap.inferno_lut()[255])
