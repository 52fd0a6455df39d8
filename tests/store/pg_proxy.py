"""A loopback TCP proxy between a store and a real PostgreSQL server, for network faults.

The store connects to the proxy's port; each connection is relayed to the real test server by two
threads. Two faults are made on demand, on real sockets:
- `cut_after_next_commit()`: the next simple-query COMMIT a client sends is forwarded to the
  server, then that client's socket is closed at once; the server's answer is read and dropped
  (`commit_answered` is set when it came, so the test knows the COMMIT ran on the server).
- `hold_after_next_commit()`: the next COMMIT is forwarded, then everything is held (below):
  the server commits, its answer never leaves the proxy, and nobody can ask it anything.
- `hold()`: nothing is relayed any more in either direction and new connections are accepted
  but never answered, as a server that stopped responding with its TCP stack still up (the
  kernel keeps acknowledging the bytes, so TCP timeouts never notice); `release()` undoes it.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104


class PgProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._flowing = threading.Event()
        self._flowing.set()
        self._arm_cut = threading.Event()
        self._arm_hold = threading.Event()
        self.commit_cut = threading.Event()
        self.commit_answered = threading.Event()
        self._sockets: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}?sslmode=disable"

    def cut_after_next_commit(self) -> None:
        self._arm_cut.set()

    def hold_after_next_commit(self) -> None:
        self._arm_hold.set()

    def hold(self) -> None:
        self._flowing.clear()

    def release(self) -> None:
        self._flowing.set()

    def close(self) -> None:
        self._closed = True
        self._flowing.set()
        for sock in [self._listener, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.close()

    # --- relaying ----------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._flowing.wait()  # a held server answers no new connection either
            if self._closed:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
            self._sockets += [client, server]
            link = _Link(self, client, server)
            threading.Thread(target=link.client_to_server, daemon=True).start()
            threading.Thread(target=link.server_to_client, daemon=True).start()


class _Link:
    """One client connection and its server connection."""

    def __init__(self, proxy: PgProxy, client: socket.socket, server: socket.socket) -> None:
        self.proxy, self.client, self.server = proxy, client, server
        self.cut = False

    def client_to_server(self) -> None:
        buffer = b""
        typed = False  # startup packets have no type byte; every later message has one
        try:
            while True:
                data = self.client.recv(65536)
                if not data:
                    break
                buffer += data
                while True:
                    message, buffer, typed = _next_message(buffer, typed)
                    if message is None:
                        break
                    self.proxy._flowing.wait()
                    cutting = _is_commit(message) and self.proxy._arm_cut.is_set()
                    if cutting:  # before sending: the answer must never reach the client
                        self.proxy._arm_cut.clear()
                        self.cut = True
                    holding = _is_commit(message) and self.proxy._arm_hold.is_set()
                    if holding:  # before sending: the answer must wait in the proxy
                        self.proxy._arm_hold.clear()
                        self.proxy.hold()
                    self.server.sendall(message)
                    if cutting:
                        self.proxy.commit_cut.set()
                        _close(self.client)  # the client never hears back
                        return
        except OSError:
            pass
        _close(self.server)

    def server_to_client(self) -> None:
        try:
            while True:
                data = self.server.recv(65536)
                if not data:
                    break
                self.proxy._flowing.wait()
                if self.cut:
                    self.proxy.commit_answered.set()  # the server did run the COMMIT
                    break
                self.client.sendall(data)
        except OSError:
            pass
        _close(self.client)
        _close(self.server)


def _next_message(buffer: bytes, typed: bool) -> tuple[bytes | None, bytes, bool]:
    """Split one whole protocol message off `buffer` (None while incomplete)."""
    header = 5 if typed else 4
    if len(buffer) < header:
        return None, buffer, typed
    (length,) = struct.unpack("!I", buffer[header - 4 : header])
    end = header - 4 + length
    if len(buffer) < end:
        return None, buffer, typed
    message, rest = buffer[:end], buffer[end:]
    if not typed:
        (code,) = struct.unpack("!I", message[4:8])
        typed = code not in (SSL_REQUEST, GSSENC_REQUEST)  # the startup message proper
    return message, rest, typed


def _is_commit(message: bytes) -> bool:
    return message[:1] == b"Q" and message[5:].rstrip(b"\0").strip().upper() == b"COMMIT"


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
