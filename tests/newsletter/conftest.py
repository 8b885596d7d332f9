"""Mail servers that refuse the newsletter at the door: at login and at connect. The recording
server with its other refusals (MAIL FROM, RCPT TO, DATA, hanging up) is the shared
``smtp_server`` fixture (tests/conftest.py, tests/smtp.py)."""

import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.smtp import RecordingHandler, free_port, point_mailers_at


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
