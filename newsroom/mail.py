"""Mail printed to the console (``EMAIL_URL=console:``, the default under ``make run``) as a person
reads it: headers decoded and every text part decoded, so a long link stays on one line and can be
clicked. Django's own console backend prints the raw message, where quoted-printable folds links
with ``=`` line breaks and RFC 2047 turns a long ``List-Unsubscribe`` into encoded words.
"""

import email
import email.policy

from django.core.mail.backends.console import EmailBackend

SHOWN_HEADERS = [
    "Subject",
    "From",
    "To",
    "Cc",
    "Bcc",
    "Reply-To",
    "Date",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
]
RULE = "-" * 79


class ConsoleBackend(EmailBackend):
    """Django's console backend, printing decoded headers and text parts instead of MIME."""

    def write_message(self, message):
        parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
        lines = [f"{name}: {value}" for name in SHOWN_HEADERS for value in parsed.get_all(name, [])]
        if message.bcc and not parsed.get_all("Bcc"):
            lines.append("Bcc: " + ", ".join(message.bcc))
        parts = [part for part in parsed.walk() if not part.is_multipart()]
        plain = [part for part in parts if part.get_content_type() == "text/plain"]
        for part in parts:
            kind = part.get_content_type()
            # The plain text is what a newcomer reads and clicks; an HTML alternative beside it
            # (inlined CSS, long lines) is only announced. HTML alone is printed.
            if kind == "text/plain" or (kind == "text/html" and not plain):
                lines += ["", f"[{kind}]", part.get_content().rstrip("\n")]
            else:
                name = part.get_filename()
                size = len(part.get_payload(decode=True) or b"")
                lines += ["", f"[{kind}{f' {name}' if name else ''}, {size} bytes, not shown]"]
        self.stream.write("\n".join(lines) + "\n" + RULE + "\n")
