"""A real SMTP server (aiosmtpd on 127.0.0.1, a free port) that the sending tests mail to, and
the ways a real one says no: at connect, at login, at MAIL FROM, at RCPT TO, at DATA, or by
hanging up."""

import email
import email.policy
import socket
import threading
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url():
    """The test database as a DATABASE_URL, for worker processes started by a test (which must
    commit: ``transaction=True``)."""
    config = connection.settings_dict
    if config["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{config['NAME']}"
    auth = quote(config["USER"] or "")
    if config["PASSWORD"]:
        auth += ":" + quote(config["PASSWORD"])
    host = f"{config['HOST'] or 'localhost'}:{config['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{config['NAME']}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """Keeps every accepted message. Told to, it answers with a refusal instead:

    - ``reject``: address -> SMTP reply (or a callable giving one, or None) for its RCPT TO;
    - ``reject_every_recipient``: a reply for every RCPT TO (a relay that refuses us);
    - ``reject_sender``: a reply for every MAIL FROM, e.g. ``"550 ..."``;
    - ``reject_data``: a reply for every message, e.g. ``"552 Message too large"``;
    - ``hang_up_at_data``: how many messages to answer by closing the connection.
    """

    def __init__(self):
        self.messages = []
        self.envelopes = []  # (MAIL FROM address, its options) of each accepted message
        self.reject = {}
        self.reject_every_recipient = None
        self.reject_sender = None
        self.reject_data = None
        self.hang_up_at_data = 0
        self.rcpt_count = 0
        self.connections = 0
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.reject_sender:
            return self.reject_sender
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_count += 1
        if self.reject_every_recipient:
            return self.reject_every_recipient
        reply = self.reject.get(address.lower())
        if reply:
            if callable(reply):
                reply = reply()
            if reply:
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hang_up_at_data:
            self.hang_up_at_data -= 1
            server.transport.close()
            return "421 4.3.2 Closing the connection"
        if self.reject_data:
            return self.reject_data
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
            self.envelopes.append((envelope.mail_from, list(envelope.mail_options)))
        return "250 Message accepted for delivery"

    @property
    def count(self):
        with self.lock:
            return len(self.messages)

    def recipients(self):
        with self.lock:
            return Counter(addr.lower() for rcpts, _ in self.messages for addr in rcpts)

    def parsed(self):
        with self.lock:
            return [
                email.message_from_bytes(raw, policy=email.policy.default)
                for _, raw in self.messages
            ]

    def raw(self):
        with self.lock:
            return [raw for _, raw in self.messages]


def point_mailers_at(settings, port, **options):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10, **options},
        }
    }


@pytest.fixture
def smtp_server(settings):
    """A running SMTP server; ``MAILERS`` points at it for the test."""
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    point_mailers_at(settings, port)
    handler.port = port
    yield handler
    controller.stop()


def _refuse_every_login(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=False, handled=False)


@pytest.fixture
def smtp_server_refusing_logins(settings):
    """A server that wants a login (530 to MAIL FROM without one) and refuses ours (535)."""
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=_refuse_every_login,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    point_mailers_at(settings, port)
    handler.port = port
    yield handler
    controller.stop()


@pytest.fixture
def smtp_server_refusing_connections(settings):
    """Not aiosmtpd: a socket that greets every connection with a 554 and hangs up, as a server
    that will not serve us does (RFC 5321, 3.1)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(b"554 5.7.1 No SMTP service for you here\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    point_mailers_at(settings, listener.getsockname()[1], timeout=2)
    yield
    stop.set()
    thread.join()
    listener.close()
