"""The embedded default's broker: kombu's filesystem transport, with whole messages.

kombu 5.7 creates a message file in the queue folder and then writes it, so a
worker polling the folder can take the file while it is still empty; the
worker then dies on it ("Unrecoverable error: JSONDecodeError", seen in CI with
a browser upload). It also moves a taken file to the system temporary folder,
which is a copy (not an atomic rename) when that is another filesystem, so two
workers can take the same message. Here a message is written under a name no
consumer looks for and renamed into place, a consumer takes it by renaming it
within the broker folder (one rename wins), and a file that still does not
decode (a disk filled mid-write, a hand-edited folder) is logged and dropped
rather than taking the worker down; the sweep queues the asset's work again.
"""
from __future__ import annotations

import logging
import os
import uuid
from queue import Empty
from time import monotonic_ns

from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

log = logging.getLogger("dam.broker")


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # Nanoseconds, zero-padded: the sorted folder listing is the order sent.
        name = f"{monotonic_ns():020d}_{uuid.uuid4()}.{queue}.msg"
        # A leading dot: `name.partition(".")[2]` no longer ends in ".msg", so
        # neither _get nor _size counts the file until it is renamed.
        staged = os.path.join(self.data_folder_out, f".{name}.part")
        with open(staged, "wb") as f:
            f.write(str_to_bytes(dumps(payload)))
        os.replace(staged, os.path.join(self.data_folder_out, name))

    def _get(self, queue):
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != f"{queue}.msg":
                continue
            taken = os.path.join(self.processed_folder, name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), taken)
            except FileNotFoundError:
                continue  # another worker took it first
            try:
                with open(taken, "rb") as f:
                    payload = f.read()
            finally:
                os.remove(taken)
            try:
                return loads(bytes_to_str(payload))
            except ValueError:
                log.error("dropped message %s on queue %s: %d bytes that are not JSON",
                          name, queue, len(payload))
        raise Empty()


class Transport(filesystem.Transport):
    Channel = Channel
