"""The SMTP side of sending: one message over an open connection, and what a refusal means.

``Envelope`` speaks SMTP as ``smtplib.SMTP.sendmail`` does, split so that the sending engine's
database write overlaps the server's reply to MAIL FROM; ``classify`` turns a refusal into what
the engine does about it.
"""

import contextlib
import smtplib


class TransientError(Exception):
    pass


class PermanentError(Exception):
    pass


def classify(error):
    """``PermanentError`` for 5xx rejections of the recipient or message, else
    ``TransientError`` (4xx, dropped connections, timeouts, our sender address refused)."""
    code = None
    if isinstance(error, smtplib.SMTPSenderRefused):
        # Our sending address was refused: the readers are not at fault, and a later attempt
        # (after the configuration is fixed) may pass.
        return TransientError(f"{type(error).__name__}: {error}")
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        code = codes[0] if codes else None
    elif isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
    text = f"{type(error).__name__}: {error}"
    if code is not None and 500 <= code < 600:
        return PermanentError(text)
    return TransientError(text)


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
