"""The embedded broker of `make run` (no Redis) writes each message whole before a worker
can take it: a worker that took a half-written file crashed on it."""

import json
import os

from kombu import Connection

from werkplek.lib import broker


def _connection(folder):
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(folder),
        "control_folder": str(folder),
    }
    return Connection(
        "filesystem://", transport="werkplek.lib.broker:Transport", transport_options=options
    )


def test_a_message_gets_its_queue_name_only_once_it_is_written_whole(tmp_path, monkeypatch):
    at_rename = []
    rename = os.replace

    def watched_replace(source, target):
        if str(target).endswith(".reminders.msg"):
            with open(source, "rb") as file:
                at_rename.append((os.path.exists(target), json.loads(file.read())))
        rename(source, target)

    monkeypatch.setattr(broker.os, "replace", watched_replace)
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("reminders")
        queue.put({"outbox": [1, 2, 3]})
        message = queue.get(timeout=1)
        message.ack()

    assert message.payload == {"outbox": [1, 2, 3]}
    assert len(at_rename) == 1
    existed_before, written = at_rename[0]
    # The worker's name did not exist until the whole message was in the file.
    assert not existed_before
    assert written["body"]
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".part")]
