"""A TCP server that accepts connections and never answers: a hung Redis."""

import socket
import threading
import time
from contextlib import contextmanager
from types import SimpleNamespace


@contextmanager
def silent_server(lifetime: float = 60.0):
    """Listen on 127.0.0.1 (a free port), accept, never reply. It stops when the
    block ends, or by itself after ``lifetime`` seconds whatever happens."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    server = SimpleNamespace(port=listener.getsockname()[1], accepted=[])
    stop, deadline = threading.Event(), time.monotonic() + lifetime

    def serve():
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    server.accepted.append(listener.accept()[0])
                except TimeoutError:
                    continue
        finally:
            for accepted in server.accepted:
                accepted.close()
            listener.close()

    thread = threading.Thread(target=serve, name="silent-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(timeout=5)
