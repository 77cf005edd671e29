"""kombu's filesystem transport for the embedded default (`make run` without Redis), with
each message written whole before a worker can see it.

kombu writes a message file in place, and a worker that lists the folder at that moment
moves the empty file away and crashes on it ("Unrecoverable error: JSONDecodeError",
seen on `make run` when the demo's mail was handed over while the worker started). Here the
message is written under a name the worker does not read, then renamed, which is atomic.
"""

import os
import uuid
from time import monotonic

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # The worker takes only names ending in ".<queue>.msg".
        partial = f"{final}.part"
        with open(partial, "wb") as file:
            file.write(str_to_bytes(dumps(payload)))
        os.replace(partial, final)


class Transport(filesystem.Transport):
    Channel = Channel
