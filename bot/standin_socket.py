"""Slack's Socket Mode endpoint, stood in on a loopback port (plain ws://).

`apps.connections.open` on the Web API stand-in hands out this server's URL; the
bot connects with slack_sdk's own Socket Mode client, gets Slack's `hello`, and
acknowledges each envelope the stand-in sends. slack_sdk talks plain WebSocket to
any port other than 443, so nothing in the bot differs from production.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import uuid
from typing import Any

_WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class SocketModeStandIn:
    def __init__(self, host: str = "127.0.0.1"):
        self._listener = socket.create_server((host, 0))
        self._connections: list[socket.socket] = []
        self._received: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._send_lock = threading.Lock()
        self._closed = False

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"ws://{host}:{port}/link"

    def start(self) -> SocketModeStandIn:
        threading.Thread(target=self._accept, name="socket-mode-standin", daemon=True).start()
        return self

    def stop(self) -> None:
        self._closed = True
        self._listener.close()
        for connection in list(self._connections):
            try:
                connection.close()
            except OSError:
                pass

    # What Slack does -------------------------------------------------------------------
    def wait_connected(self, timeout: float = 20.0) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self._connections, timeout=timeout):
                raise AssertionError("the bot did not connect to Socket Mode")

    def send(self, envelope_type: str, payload: dict[str, Any]) -> str:
        """Deliver an envelope as Slack does; returns its envelope_id."""
        envelope_id = str(uuid.uuid4())
        message = {"envelope_id": envelope_id, "type": envelope_type, "payload": payload,
                   "accepts_response_payload": envelope_type != "events_api", "retry_attempt": 0,
                   "retry_reason": ""}
        self._send(self._connections[-1], TEXT, json.dumps(message).encode())
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The bot's acknowledgement of one envelope (with its response payload, if any)."""
        def found() -> dict[str, Any] | None:
            return next((m for m in self._received if m.get("envelope_id") == envelope_id), None)

        with self._changed:
            acked = self._changed.wait_for(found, timeout=timeout)
            if acked is None:
                raise AssertionError(f"no acknowledgement of envelope {envelope_id}")
            return acked

    # The WebSocket protocol ------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closed:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            self._handshake(connection)
            with self._changed:
                self._connections.append(connection)
                self._changed.notify_all()
            self._send(connection, TEXT, json.dumps({"type": "hello", "num_connections": 1,
                                                     "connection_info": {"app_id": "A0TECHNET"}}).encode())
            while not self._closed:
                opcode, data = self._read_frame(connection)
                if opcode == CLOSE:
                    return
                if opcode == PING:
                    self._send(connection, PONG, data)
                elif opcode == TEXT:
                    with self._changed:
                        self._received.append(json.loads(data))
                        self._changed.notify_all()
        except (OSError, ConnectionError, ValueError):
            return
        finally:
            with self._changed:
                if connection in self._connections:
                    self._connections.remove(connection)
            connection.close()

    def _handshake(self, connection: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = connection.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            request += chunk
        headers = dict(line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line)
        key = next(v for k, v in headers.items() if k.lower() == "sec-websocket-key")
        accept = base64.b64encode(hashlib.sha1((key + _WEBSOCKET_GUID).encode()).digest()).decode()
        connection.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())

    def _read_exactly(self, connection: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = connection.recv(size - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def _read_frame(self, connection: socket.socket) -> tuple[int, bytes]:
        first, second = self._read_exactly(connection, 2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read_exactly(connection, 2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read_exactly(connection, 8))[0]
        mask = self._read_exactly(connection, 4) if second & 0x80 else b"\0\0\0\0"
        payload = self._read_exactly(connection, length)
        return first & 0x0F, bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

    def _send(self, connection: socket.socket, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        if len(payload) < 126:
            header += bytes([len(payload)])
        elif len(payload) < 1 << 16:
            header += bytes([126]) + struct.pack("!H", len(payload))
        else:
            header += bytes([127]) + struct.pack("!Q", len(payload))
        with self._send_lock:
            connection.sendall(header + payload)
