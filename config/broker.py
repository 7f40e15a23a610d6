"""Celery's filesystem transport for the embedded local mode, made safe for concurrent readers.

kombu's own filesystem channel creates a message file and only then writes it (under an advisory
lock that its reader never takes), so a worker polling the folder can claim the file while it is
still empty and die on the JSON decode — seen as "Unrecoverable error: JSONDecodeError" right
after beat sent the sweep. It also claims a message with ``shutil.move`` into the system temp
folder, which becomes copy-then-delete when that folder is on another filesystem, so two workers
could both read one message.

Here a message (and an exchange's binding table) is written whole under a name the reader skips
(``….msg.part``) and renamed into place, and a reader claims it by renaming it into the processed folder beside the queue (same
filesystem, so the rename is atomic and exactly one reader wins). Selected by settings
(``CELERY_BROKER_TRANSPORT``) only when no broker URL is configured; Redis deployments never load it.
"""

import os
import uuid
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property

# The reader matches names ending exactly in f"{queue}.msg"; a file being written carries this too.
PARTIAL_SUFFIX = ".part"


class Channel(filesystem.Channel):
    def _edit_table(self, exchange, edit):
        """Apply edit(list of bindings) -> list or None to an exchange's table, one process at a time.

        kombu's version creates the exchange file and then writes it, or rewrites it in place, so a
        process binding at the same moment (the web process and the worker at start-up) could read
        it empty or half-written. Here writers queue on a lock file beside it and replace the table
        whole, so readers (get_table, which routes every message) only ever see a complete one.
        """
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(parents=True, exist_ok=True)
        try:
            with open(f"{file}.lock", "ab") as guard:
                filesystem.lock(guard, filesystem.LOCK_EX)
                try:
                    try:
                        table = [filesystem.exchange_queue_t(*q) for q in loads(bytes_to_str(file.read_bytes()))]
                    except FileNotFoundError:
                        table = []
                    table = edit(table)
                    if table is None:
                        return
                    partial = f"{file}.{uuid.uuid4().hex}{PARTIAL_SUFFIX}"
                    with open(partial, "wb") as f:
                        f.write(str_to_bytes(dumps(table)))
                    os.replace(partial, file)
                finally:
                    filesystem.unlock(guard)
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc

    @staticmethod
    def _binding(routing_key, pattern, queue):
        return filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        entry = self._binding(routing_key, pattern, queue)
        self._edit_table(exchange, lambda table: None if entry in table else [entry, *table])

    def _delete(self, queue, exchange, routing_key, pattern, *args, **kwargs):
        virtual.Channel._delete(self, queue, exchange, routing_key, pattern, *args, **kwargs)
        entry = self._binding(routing_key, pattern, queue)
        self._edit_table(exchange, lambda table: [q for q in table if q != entry] if entry in table else None)

    @cached_property
    def claim_folder(self):
        # The processed folder is configured beside the queue (settings), so a rename into it is
        # atomic; kombu's default, the system temp folder, may be another filesystem.
        return self.transport_options.get("data_folder_processed") or self.data_folder_in

    def _put(self, queue, payload, **kwargs):
        # The same name kombu would give (time-ordered, so _get stays FIFO), written whole first.
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + PARTIAL_SUFFIX
        try:
            with open(partial, "xb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            try:
                os.unlink(partial)
            except OSError:
                pass
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _get(self, queue):
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(self.claim_folder, f"{name}.{uuid.uuid4().hex}.claimed")
            try:
                # Atomic: of several readers that listed this file, exactly one renames it.
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except FileNotFoundError:
                continue  # another reader won it
            except OSError as exc:
                raise ChannelError(f"Cannot claim file {name!r} from queue.") from exc
            try:
                with open(claimed, "rb") as f:
                    payload = f.read()
                if not self.store_processed:
                    os.remove(claimed)
            except OSError as exc:
                raise ChannelError(f"Cannot read file {claimed!r} from queue.") from exc
            return loads(bytes_to_str(payload))
        raise Empty()


class Transport(filesystem.Transport):
    Channel = Channel

    @property
    def default_connection_params(self):
        # Folders, not a host: kombu's virtual default ("localhost") only made it log "No hostname was
        # supplied. Reverting to default 'localhost'" whenever a connection was cloned or described.
        return {"port": self.default_port, "hostname": ""}
