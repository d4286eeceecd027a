"""The embedded default's filesystem broker delivers whole messages or none."""
import logging
import os
from queue import Empty

import pytest
from kombu import Connection

from dam import broker


@pytest.fixture
def channel(tmp_path):
    folders = {k: tmp_path / k for k in ("queue", "processed", "control")}
    for f in folders.values():
        f.mkdir()
    options = {"data_folder_in": str(folders["queue"]), "data_folder_out": str(folders["queue"]),
               "processed_folder": str(folders["processed"]),
               "control_folder": str(folders["control"])}
    with Connection("filesystem://", transport=broker.Transport,
                    transport_options=options) as conn:
        yield conn.default_channel


def test_a_message_being_written_is_invisible_to_consumers(channel, monkeypatch):
    seen = []
    real_replace = os.replace

    def replace(src, dst):
        # Everything is written, the rename not yet done: a consumer polling now
        # must find nothing (kombu's own transport shows it an empty file here).
        with pytest.raises(Empty):
            channel._get("salient")
        seen.append(channel._size("salient"))
        real_replace(src, dst)

    monkeypatch.setattr(broker.os, "replace", replace)
    channel._put("salient", {"body": "x" * 100_000})
    assert seen == [0]
    assert channel._get("salient") == {"body": "x" * 100_000}
    assert os.listdir(channel.processed_folder) == []


def test_a_file_that_is_not_json_is_dropped_and_the_other_messages_delivered(channel, caplog):
    channel._put("salient", {"n": 1})
    with open(os.path.join(channel.data_folder_in, "0_a.salient.msg"), "wb"):
        pass  # what kombu's transport leaves visible between open and write
    channel._put("salient", {"n": 2})
    with caplog.at_level(logging.ERROR, logger="dam.broker"):
        assert [channel._get("salient")["n"] for _ in range(2)] == [1, 2]
        with pytest.raises(Empty):
            channel._get("salient")
    assert "0_a.salient.msg" in caplog.text and "0 bytes" in caplog.text
    assert os.listdir(channel.data_folder_in) == os.listdir(channel.processed_folder) == []


def test_messages_come_out_in_order_and_each_once(channel):
    for n in range(5):
        channel._put("salient", {"n": n})
    channel._put("other", {"n": "other"})
    assert [channel._get("salient")["n"] for _ in range(5)] == list(range(5))
    with pytest.raises(Empty):
        channel._get("salient")
    assert channel._size("other") == 1


def test_the_embedded_default_and_only_it_uses_this_transport(settings):
    from dam.celery import app

    with app.connection_for_write() as conn:
        assert isinstance(conn.transport, broker.Transport) == \
            settings.CELERY_BROKER_URL.startswith("filesystem://")
