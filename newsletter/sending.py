"""The sending engine: one code path for the background task and ``manage.py newsletter_send``.

How a crash can never lose or repeat a mail (except the one in flight):

1. ``Issue.start_sending()`` freezes the recipients: one ``Delivery`` row per confirmed subscriber.
2. A worker claims a batch of queued rows (``select_for_update(skip_locked=True)`` on PostgreSQL,
   so parallel workers never share a row; SQLite serialises writers with its write lock, taken up
   front by ``transaction_mode=IMMEDIATE``). A claim is a lease: ``claimed_by`` plus
   ``claimed_at``, renewed with every message. Rows whose lease ran out (a dead worker) can be
   claimed again.
3. For each row, *before* sending: ``status=sending, attempts+1`` is committed (only if the
   subscriber is still confirmed: an unsubscribe during the send is honoured). The message goes
   over the batch's single SMTP connection. Its MAIL FROM command is sent just before that
   commit, so the database write overlaps the server's reply; RCPT TO and DATA (the only point
   at which a server can accept a message) follow the commit. *After*: ``status=sent, sent_at``
   is recorded, in the same transaction as the next row's "before" (one commit per message, not
   two), or on its own for the batch's last row or before any other write.
4. If the process dies before a sent row's "after" is committed, that row stays ``sending``; the
   next worker sends it again. SMTP cannot tell us whether that message was accepted, so that one
   recipient may get a second copy. Only one row is ever in that state; every other row is either
   ``sent`` (never sent again) or not yet tried.

What a mail server's "no" does (``newsletter.smtp.classify``), so that no answer can wipe the list:

- A 5xx to one recipient's RCPT TO bounces that subscriber (row failed), but not at once: the
  run of consecutive refusals is held back (rows queued again, attempts not counted) and settled
  as bounces only when a later message is accepted, or the send ends without one. A run of
  ``NEWSLETTER_BREAKER_THRESHOLD`` refusals, or an issue whose every recipient so far was
  refused, trips the circuit breaker instead: the issue pauses and the held rows stay queued for
  an editor to look at the server's answer and resume.
- A 5xx to the message or the connection (connect, EHLO, login, MAIL FROM, DATA) is no
  recipient's fault: the issue pauses with the answer, the row goes back to the queue with its
  attempt uncounted, and no subscriber is touched.
- Anything else (4xx, refused or dropped connections, timeouts) is retried with exponential
  backoff, up to ``NEWSLETTER_MAX_ATTEMPTS``, then the row is recorded as failed; except when no
  server answered at all (down, unreachable): then the issue pauses with the error and the row
  waits, its retries given back, so a mail server outage never fails the list.

Resuming a paused issue (``Issue.send()``) puts it back to sending; the rows are claimed and
marked as above, so the crash guarantee holds across a pause as across a crash.
"""

import contextlib
import logging
import smtplib
import time
import uuid
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from .emails import RenderedIssue
from .models import Delivery, Issue, Subscriber
from .smtp import (
    Envelope,
    MessageRefused,
    RecipientRefused,
    ServerUnreachable,
    classify,
    envelope_address,
)

logger = logging.getLogger(__name__)


def _lease():
    return timedelta(seconds=settings.NEWSLETTER_CLAIM_LEASE_SECONDS)


def claimable(issue):
    now = timezone.now()
    return Delivery.objects.filter(
        issue=issue,
        issue__status=Issue.Status.SENDING,  # nothing is claimed from a paused issue
        status__in=Delivery.Status.open_values(),
    ).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - _lease()),
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
    )


def claim_batch(issue, worker_id, size):
    """Claim up to ``size`` rows for ``worker_id``; the list of claimed ids."""
    with transaction.atomic():
        rows = claimable(issue).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            # Lock the delivery rows only, not the issue row the status filter joins: parallel
            # workers must not skip each other's whole issue.
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        ids = list(rows.values_list("pk", flat=True)[:size])
        if ids:
            Delivery.objects.filter(pk__in=ids).update(
                claimed_by=worker_id, claimed_at=timezone.now()
            )
    return ids


class Ledger:
    """The two writes around every send, as plain SQL: they run once per message, and the ORM's
    query building would cost more than the SMTP exchange. Each write is one committed statement
    (autocommit), which is what the crash guarantee needs."""

    def __init__(self):
        delivery = Delivery._meta.db_table
        subscriber = Subscriber._meta.db_table
        in_flight = (
            f"id = %s AND claimed_by = %s AND status IN (%s, %s) AND EXISTS ("
            f"SELECT 1 FROM {subscriber} WHERE {subscriber}.id = {delivery}.subscriber_id "
            f"AND {subscriber}.status = %s)"
        )
        self.before_sql = (
            f"UPDATE {delivery} SET status = %s, attempts = attempts + 1, claimed_at = %s "
            f"WHERE {in_flight}"
        )
        # The previous row's "sent" and this row's "in flight" in one statement: one implicit
        # transaction per message, with no round trips for BEGIN and COMMIT.
        self.sent_then_before_sql = (
            f"UPDATE {delivery} SET "
            f"status = CASE WHEN id = %s THEN %s ELSE %s END, "
            f"sent_at = CASE WHEN id = %s THEN %s ELSE sent_at END, "
            f"last_error = CASE WHEN id = %s THEN '' ELSE last_error END, "
            f"attempts = CASE WHEN id = %s THEN attempts ELSE attempts + 1 END, "
            f"claimed_at = CASE WHEN id = %s THEN claimed_at ELSE %s END "
            f"WHERE id = %s OR ({in_flight})"
        )
        self.after_sql = (
            f"UPDATE {delivery} SET status = %s, sent_at = %s, last_error = '' WHERE id = %s"
        )

    @staticmethod
    def _now():
        return connection.ops.adapt_datetimefield_value(timezone.now())

    def _in_flight_params(self, pk, worker_id):
        return [
            pk,
            worker_id,
            Delivery.Status.QUEUED,
            Delivery.Status.SENDING,
            Subscriber.Status.CONFIRMED,
        ]

    def before(self, pk, worker_id, *, sent_pk=None):
        """Mark the row in flight (attempt + 1) if it is still ours and its subscriber is still
        confirmed; False otherwise. ``sent_pk``, the previous row if it was sent, is recorded as
        sent by the same statement."""
        now = self._now()
        with connection.cursor() as cursor:
            if sent_pk is None:
                cursor.execute(
                    self.before_sql,
                    [Delivery.Status.SENDING, now, *self._in_flight_params(pk, worker_id)],
                )
                return cursor.rowcount == 1
            cursor.execute(
                self.sent_then_before_sql,
                [
                    sent_pk,
                    Delivery.Status.SENT,
                    Delivery.Status.SENDING,
                    sent_pk,
                    now,
                    sent_pk,
                    sent_pk,
                    sent_pk,
                    now,
                    sent_pk,
                    *self._in_flight_params(pk, worker_id),
                ],
            )
            return cursor.rowcount == 2

    def after(self, pk):
        with connection.cursor() as cursor:
            cursor.execute(self.after_sql, [Delivery.Status.SENT, self._now(), pk])


class Sender:
    """Sends an issue's deliveries in claimed batches until none is left."""

    def __init__(self, issue, *, batch_size=None, on_progress=None, worker_id=None):
        self.issue = issue
        self.batch_size = batch_size or settings.NEWSLETTER_BATCH_SIZE
        self.on_progress = on_progress or (lambda outcome: None)
        self.worker_id = worker_id or uuid.uuid4().hex
        self.rendered = RenderedIssue(issue)
        self.ledger = Ledger()
        self.unrecorded_sent = None
        self.envelope_from = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        self.held = []  # (delivery, error): the current run of refused recipients, not bounced yet
        self.paused = False

    def is_stopped(self):
        """Paused, here or by another worker: send no more."""
        if (
            not self.paused
            and not Issue.objects.filter(pk=self.issue.pk, status=Issue.Status.SENDING).exists()
        ):
            self.paused = True
        return self.paused

    def run(self):
        """Send until every delivery is sent, failed or skipped; then mark the issue sent."""
        while not self.is_stopped():
            ids = claim_batch(self.issue, self.worker_id, self.batch_size)
            if ids:
                self.send_batch(ids)
                continue
            if self.held:
                # Nothing left to try now: the run of refusals is over.
                self.settle_held(end_of_send=True)
                continue
            wait = self.seconds_until_more_work()
            if wait is None:
                break
            time.sleep(min(max(wait, 0.05), 1.0))
        if self.paused:
            self.release_held()
            self.issue.refresh_from_db()
        else:
            self.issue.finish_if_done()
        return self.issue

    def seconds_until_more_work(self):
        """None when nothing is left; otherwise how long until a retry is due or a lease ends."""
        open_rows = Delivery.objects.filter(
            issue=self.issue, status__in=Delivery.Status.open_values()
        )
        agg = open_rows.aggregate(
            retry=Min("next_attempt_at"), claimed=Min("claimed_at"), count=Min("pk")
        )
        if agg["count"] is None:
            return None
        now = timezone.now()
        candidates = []
        if agg["retry"]:
            candidates.append((agg["retry"] - now).total_seconds())
        if agg["claimed"]:
            candidates.append((agg["claimed"] + _lease() - now).total_seconds())
        return min(candidates) if candidates else 0

    def send_batch(self, ids):
        """One SMTP connection for the batch; each row recorded before and after its send."""
        deliveries = list(
            Delivery.objects.filter(pk__in=ids, claimed_by=self.worker_id)
            .select_related("subscriber")
            .order_by("pk")
        )
        mailer = mailers.default
        renewed = time.monotonic()
        try:
            # Kept open for the whole batch (send_messages reuses an open connection); if it
            # cannot open, the first send reports the failure and it is retried.
            with contextlib.suppress(OSError):
                mailer.open()
            for delivery in deliveries:
                if not self.send_one(mailer, delivery):
                    break  # the connection is unusable: release the rest of the batch
                if time.monotonic() - renewed > settings.NEWSLETTER_CLAIM_LEASE_SECONDS / 4:
                    # Keep the lease on the rest of the batch (and on the held rows) while we
                    # are alive; stop if another worker paused the issue.
                    renewed = time.monotonic()
                    Delivery.objects.filter(
                        pk__in=[*ids, *self.held_pks()],
                        claimed_by=self.worker_id,
                        status=Delivery.Status.QUEUED,
                    ).update(claimed_at=timezone.now())
                    if self.is_stopped():
                        break
        finally:
            self.record_sent()
            with contextlib.suppress(smtplib.SMTPException, OSError):
                mailer.close()
            Delivery.objects.filter(
                pk__in=ids, claimed_by=self.worker_id, status=Delivery.Status.QUEUED
            ).exclude(pk__in=self.held_pks()).update(claimed_by="", claimed_at=None)

    def record_sent(self):
        """Commit the "sent" record still waiting to ride along with the next row's."""
        if self.unrecorded_sent is not None:
            self.ledger.after(self.unrecorded_sent)
            self.unrecorded_sent = None

    def send_one(self, mailer, delivery):
        """Send one delivery; False when the connection should be dropped."""
        sent_pk, self.unrecorded_sent = self.unrecorded_sent, None
        subscriber = delivery.subscriber
        smtp = getattr(mailer, "connection", None)
        envelope = None
        if isinstance(smtp, smtplib.SMTP):
            # The batch's open SMTP connection and the copy's bytes alone: an email message
            # object, and the backend's re-parsing of both addresses, would cost more than the
            # SMTP exchange. MAIL FROM goes out first, so the ledger's write below runs while the
            # server answers it.
            envelope = Envelope(smtp, self.envelope_from, self.rendered.wire_for(subscriber))
        if not self.ledger.before(delivery.pk, self.worker_id, sent_pk=sent_pk):
            # Left (unsubscribed, bounced, erased) since the send began, or taken by another.
            if envelope:
                envelope.abandon()
            skipped = Delivery.objects.filter(
                pk=delivery.pk,
                claimed_by=self.worker_id,
                status__in=Delivery.Status.open_values(),
            ).update(status=Delivery.Status.SKIPPED, claimed_by="")
            if skipped:
                self.on_progress("skipped")
            return True
        # Only now, with the row committed as in flight, can the server accept the message.
        try:
            if envelope:
                envelope.deliver(envelope_address(subscriber.email))
            else:
                # Console, file, locmem backends.
                mailer.send_messages([self.rendered.message_for(subscriber)])
        except (smtplib.SMTPException, OSError) as error:
            return self.record_failure(delivery, classify(error))
        self.unrecorded_sent = delivery.pk  # committed with the next row's "before"
        self.on_progress("sent")
        if self.held:
            # The server takes mail: the refusals before this one were about those addresses.
            self.record_sent()
            self.settle_held()
        return True

    # Refusals ---------------------------------------------------------------------------------

    def held_pks(self):
        return [delivery.pk for delivery, _ in self.held]

    def hold(self, delivery, error):
        """A recipient refused for good: back in the queue (still claimed by us, the attempt
        not counted) until the run it belongs to is settled or trips the breaker."""
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.QUEUED,
            attempts=delivery.attempts,
            last_error=str(error)[:2000],
            claimed_at=timezone.now(),
        )
        self.held.append((delivery, error))
        threshold = settings.NEWSLETTER_BREAKER_THRESHOLD
        if not threshold:
            self.settle_held()
        elif len(self.held) >= threshold:
            self.pause(
                f"The circuit breaker stopped the send: {len(self.held)} recipients in a row "
                f"were refused, which points at the mail server rather than the addresses. "
                f"The last answer: {error}"
            )
            return False
        return True

    def settle_held(self, *, end_of_send=False):
        """The run of refusals is over: bounce each of them. If the send ends and no message
        of this issue was ever accepted, though, the server refused everyone: pause instead."""
        if (
            end_of_send
            and len(self.held) > 1
            and not Delivery.objects.filter(issue=self.issue, status=Delivery.Status.SENT).exists()
        ):
            self.pause(
                f"Every recipient tried ({len(self.held)}) was refused, so no one was marked "
                f"bounced. The last answer: {self.held[-1][1]}"
            )
            self.release_held()
            return
        for delivery, error in self.held:
            with transaction.atomic():
                delivery.subscriber.mark_bounced(error)
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=Delivery.Status.FAILED,
                    attempts=delivery.attempts + 1,
                    last_error=str(error)[:2000],
                    claimed_by="",
                )
            self.on_progress("failed")
        self.held = []

    def release_held(self):
        """Leave the held rows queued, for whoever resumes the issue."""
        Delivery.objects.filter(pk__in=self.held_pks(), claimed_by=self.worker_id).update(
            claimed_by="", claimed_at=None
        )
        self.held = []

    def pause(self, reason):
        self.paused = True
        self.issue.pause(reason)
        logger.warning("Newsletter issue %s paused: %s", self.issue.pk, reason)

    def record_failure(self, delivery, error):
        if isinstance(error, RecipientRefused):
            return self.hold(delivery, error)
        if isinstance(error, MessageRefused):
            # Not this reader's fault, nor any reader's: their row waits for the resume.
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.QUEUED,
                attempts=delivery.attempts,
                last_error=str(error)[:2000],
                claimed_by="",
                claimed_at=None,
            )
            self.pause(str(error))
            return False
        attempts = delivery.attempts + 1
        if attempts >= settings.NEWSLETTER_MAX_ATTEMPTS and isinstance(error, ServerUnreachable):
            # The mail server is down, not this reader's address: failing the row (and then
            # every other row) would lose the issue for the whole list. The row waits, its
            # retries given back, and the issue pauses with the error until an editor resumes.
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.QUEUED,
                attempts=0,
                next_attempt_at=None,
                last_error=str(error)[:2000],
                claimed_by="",
                claimed_at=None,
            )
            self.pause(f"{error} ({attempts} tries). Resume when the mail server is back.")
            return False
        if attempts >= settings.NEWSLETTER_MAX_ATTEMPTS:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.FAILED, last_error=str(error)[:2000], claimed_by=""
            )
            self.on_progress("failed")
            return False
        delay = settings.NEWSLETTER_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.QUEUED,
            last_error=str(error)[:2000],
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            claimed_by="",
            claimed_at=None,
        )
        self.on_progress("retry")
        logger.warning(
            "Newsletter delivery %s will be retried in %ss: %s", delivery.pk, delay, error
        )
        return False


def send_issue(issue_id, *, batch_size=None, on_progress=None):
    """Start (or go on) sending an issue and send until done or paused. The task and the command
    call this; it is safe to run in several processes at once."""
    issue = Issue.objects.get(pk=issue_id)
    if issue.status in (Issue.Status.SENT, Issue.Status.PAUSED):
        return issue  # a paused issue waits for an editor: Issue.send() resumes it
    issue.start_sending()
    return Sender(issue, batch_size=batch_size, on_progress=on_progress).run()


def send_test(issue, address):
    """Send the issue to one address (the editor's), marked as a test: every link in it works
    for that editor (``RenderedIssue(test=True)``)."""
    rendered = RenderedIssue(issue, test=True)
    sample = Subscriber.objects.by_email(address).first() or Subscriber(pk=0, email=address)
    message = rendered.message_for(sample, to=address, subject=f"[Test] {issue.subject}")
    return message.send()
