"""The SMTP side of sending: one message over an open connection, and what a refusal means.

``Envelope`` speaks SMTP as ``smtplib.SMTP.sendmail`` does, split so that the sending engine's
database write overlaps the server's reply to MAIL FROM; ``classify`` turns a refusal into what
the engine does about it.
"""

import contextlib
import smtplib


class TransientError(Exception):
    """Worth another try later: a 4xx answer, a dropped connection, a timeout."""


class ServerUnreachable(TransientError):
    """No answer at all: the connection was refused, dropped or timed out. Retried; when the
    retries run out the send pauses (the server is down, not the reader's address)."""


class RecipientRefused(Exception):
    """A 5xx answer to this recipient's RCPT TO: the server will never take mail for them."""


class MessageRefused(Exception):
    """A 5xx answer to the connection, the login, MAIL FROM or DATA: the server refuses our
    messages, whoever they are for. No recipient is at fault, so the send pauses."""


# Where in the conversation an answer came, for the editor reading why a send paused.
_STAGES = {
    smtplib.SMTPConnectError: "on connecting",
    smtplib.SMTPHeloError: "to EHLO",
    smtplib.SMTPAuthenticationError: "to the login",
    smtplib.SMTPSenderRefused: "to MAIL FROM (our sender address)",
    smtplib.SMTPDataError: "to the message (DATA)",
}


def _reply(code, text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}".strip()


def classify(error):
    """What a failed send means for the engine:

    - ``RecipientRefused``: a 5xx to RCPT TO (e.g. 550, 551, 553): that one address is bad;
    - ``MessageRefused``: a 5xx anywhere else: at connect, EHLO, login (530, 535), MAIL FROM,
      DATA ("552 message too large", "554 content rejected");
    - ``TransientError``: everything else (4xx, refused or dropped connections, timeouts), a
      ``ServerUnreachable`` when no server answered at all.

    The exception's text is the server's answer, readable (``"554 5.7.1 Relay access denied"``).
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (None, ""))
        reply = _reply(code, text)
        if code is not None and 500 <= code < 600:
            return RecipientRefused(f"Recipient refused: {reply}")
        return TransientError(f"Recipient deferred: {reply}")
    if isinstance(error, smtplib.SMTPResponseException):
        stage = next(
            (words for kind, words in _STAGES.items() if isinstance(error, kind)), "to a command"
        )
        reply = _reply(error.smtp_code, error.smtp_error)
        if 500 <= error.smtp_code < 600:
            return MessageRefused(f"The mail server answered {stage}: {reply}")
        return TransientError(f"The mail server answered {stage}: {reply}")
    if isinstance(error, OSError | smtplib.SMTPServerDisconnected):
        return ServerUnreachable(
            f"The mail server could not be reached: {type(error).__name__}: {error}"
        )
    return TransientError(f"{type(error).__name__}: {error}")


def envelope_address(address):
    """``address`` as SMTP commands carry it: an internationalised domain in its ASCII
    (punycode) form, as Django's SMTP backend sends it."""
    if address.isascii():
        return address
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.encode('idna').decode('ascii')}"


class Envelope:
    """One message over an open ``smtplib.SMTP`` connection, as ``SMTP.sendmail`` sends it
    (MAIL FROM with SIZE, RCPT TO, DATA, and the same errors), split in two: the constructor
    sends MAIL FROM without waiting for the reply, so the caller's work overlaps the server's;
    ``deliver()`` reads the reply and finishes. A message cannot be accepted before its DATA,
    so nothing is delivered until ``deliver()`` is called; ``abandon()`` calls it off.
    """

    def __init__(self, smtp, sender, raw):
        self.smtp, self.sender, self.raw = smtp, sender, raw
        self.error = None
        try:
            smtp.ehlo_or_helo_if_needed()
            size = f" size={len(raw)}" if smtp.has_extn("size") else ""
            smtp.putcmd("mail", f"from:{smtplib.quoteaddr(sender)}{size}")
        except (smtplib.SMTPException, OSError) as error:
            self.error = error  # raised by deliver(), after the ledger has counted the attempt

    def _refused(self, code):
        if code == 421:
            self.smtp.close()
        else:
            with contextlib.suppress(smtplib.SMTPServerDisconnected):
                self.smtp.rset()

    def deliver(self, recipient):
        if self.error:
            raise self.error
        code, reply = self.smtp.getreply()
        if code != 250:
            self._refused(code)
            raise smtplib.SMTPSenderRefused(code, reply, self.sender)
        code, reply = self.smtp.rcpt(recipient)
        if code not in (250, 251):
            self._refused(code)
            raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        code, reply = self.smtp.data(self.raw)
        if code != 250:
            self._refused(code)
            raise smtplib.SMTPDataError(code, reply)

    def abandon(self):
        if self.error is None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.getreply()
                self.smtp.rset()
