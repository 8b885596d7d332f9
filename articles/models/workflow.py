"""The publishing workflow: an article's states, who may move it between them, and the record.

    draft → in review → scheduled → published → unpublished (→ draft again)

Authors write drafts and submit them for review; Editors (``articles.publish_article``) approve,
send back with a note, schedule, publish and unpublish; the system alone makes a scheduled story
go live at its time and a published one expire. ``RULES`` is the one table of who may do what
from where: the model methods below, the admin's buttons and the tests all read it.

Every move is one conditional ``UPDATE`` (``WHERE status = <the state it was in>``), so two
people (or a task and the sweep) moving the same article at once cannot both win, and every move
writes a :class:`Transition` row: who, when, from, to, note. Pages showing the article are
purged on commit (``newsroom.cache``). Enqueueing the go-live or expiry task for a time is the
caller's explicit second step, ``articles.tasks.schedule_timed_work(article)``; the sweep
(``articles.tasks.publish_due_articles``, ``expire_articles``) catches any task that was lost.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format

from newsroom import cache as page_cache
from newsroom.people import display_name


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Unpublished"


class Action(models.TextChoices):
    SUBMIT = "submit", "Submit for review"
    APPROVE = "approve", "Approve"
    SEND_BACK = "send_back", "Send back"
    SCHEDULE = "schedule", "Schedule"
    PUBLISH = "publish", "Publish now"
    UNPUBLISH = "unpublish", "Unpublish"
    REOPEN = "reopen", "Back to draft"
    GO_LIVE = "go_live", "Went live on schedule"
    EXPIRE = "expire", "Expired"


PUBLISH_PERMISSION = "articles.publish_article"
CHANGE_PERMISSION = "articles.change_article"
SYSTEM = None  # the permission of moves only the system makes (a task, the sweep)


@dataclass(frozen=True)
class Rule:
    sources: tuple
    target: str
    permission: str | None
    needs_time: bool = False  # a time to go live (schedule; approve may take one)
    needs_note: bool = False


RULES = {
    Action.SUBMIT: Rule((Status.DRAFT,), Status.IN_REVIEW, CHANGE_PERMISSION),
    # Approving publishes now, or at the time given (then the target is Scheduled).
    Action.APPROVE: Rule((Status.IN_REVIEW,), Status.PUBLISHED, PUBLISH_PERMISSION),
    Action.SEND_BACK: Rule(
        (Status.IN_REVIEW, Status.SCHEDULED), Status.DRAFT, PUBLISH_PERMISSION, needs_note=True
    ),
    Action.SCHEDULE: Rule(
        (Status.DRAFT, Status.SCHEDULED, Status.UNPUBLISHED),
        Status.SCHEDULED,
        PUBLISH_PERMISSION,
        needs_time=True,
    ),
    Action.PUBLISH: Rule(
        (Status.DRAFT, Status.SCHEDULED, Status.UNPUBLISHED), Status.PUBLISHED, PUBLISH_PERMISSION
    ),
    Action.UNPUBLISH: Rule((Status.PUBLISHED,), Status.UNPUBLISHED, PUBLISH_PERMISSION),
    Action.REOPEN: Rule((Status.UNPUBLISHED,), Status.DRAFT, PUBLISH_PERMISSION),
    Action.GO_LIVE: Rule((Status.SCHEDULED,), Status.PUBLISHED, SYSTEM),
    Action.EXPIRE: Rule((Status.PUBLISHED,), Status.UNPUBLISHED, SYSTEM),
}


@dataclass(frozen=True)
class Button:
    """A button on the change form: the move it makes and what it says."""

    value: str
    action: Action
    label: str
    needs_time: bool = False

    @property
    def needs_note(self):
        return RULES[self.action].needs_note


# The change form's buttons, in the order offered; each is shown only to whoever may make its
# move from the article's state (``Workflow.buttons_for``).
BUTTONS = (
    Button("submit", Action.SUBMIT, "Submit for review"),
    Button("approve", Action.APPROVE, "Approve and publish now"),
    Button("approve_scheduled", Action.APPROVE, "Approve and schedule…", needs_time=True),
    Button("publish", Action.PUBLISH, "Publish now"),
    Button("schedule", Action.SCHEDULE, "Schedule…", needs_time=True),
    Button("send_back", Action.SEND_BACK, "Send back to draft"),
    Button("unpublish", Action.UNPUBLISH, "Unpublish"),
    Button("reopen", Action.REOPEN, "Back to draft"),
)
BUTTONS_BY_VALUE = {button.value: button for button in BUTTONS}


class TransitionNotAllowed(PermissionDenied):
    """A move the article's state or the person's permissions do not allow; the message says
    which, in words an editor reads."""


def go_live_time_problem(when, expires_at):
    """What is wrong with ``when`` as a story's go-live time, or None."""
    if when is None:
        return "Choose when it goes live."
    if when <= timezone.now():
        return "That time has passed: choose a time to come, or publish now."
    if expires_at and expires_at <= when:
        return f"It would go live after its expiry time ({local_time(expires_at)})."
    return None


def local_time(value):
    return date_format(timezone.localtime(value), "j F Y, H:i")


class Workflow:
    """The workflow's methods on ``Article`` (which holds the fields: ``status``,
    ``published_at``, ``expires_at``)."""

    Status = Status
    Action = Action

    # Asking ----------------------------------------------------------------------------------

    def may(self, action, user):
        """Whether ``user`` may make ``action`` on this article now (state and permission).
        ``user=None`` is the system (a task, the sweep, a command): it alone makes the system's
        moves (going live, expiring), and may make any other the state allows."""
        rule = RULES[Action(action)]
        if self.status not in rule.sources:
            return False
        if user is None:
            return True  # the system, or code that acts for no one in particular (a command)
        if rule.permission is SYSTEM or not user.has_perm(rule.permission):
            return False
        # An Author moves only their own articles, the ones the admin shows them.
        return type(self).objects.viewable_by(user).filter(pk=self.pk).exists()

    def buttons_for(self, user):
        """The change form's buttons for ``user``: exactly the moves they may make now."""
        return [button for button in BUTTONS if self.may_offer(button.action, user)]

    def may_offer(self, action, user):
        """``may``, for a story being added too: its writer may do what they could do once it
        is saved with their name on it."""
        if self.pk is not None:
            return self.may(action, user)
        rule = RULES[action]
        return (
            self.status in rule.sources
            and rule.permission is not SYSTEM
            and user.has_perm(rule.permission)
        )

    def move(self, button_value, *, by, when=None, note=""):
        """Make the move a change-form button names (``BUTTONS``)."""
        button = BUTTONS_BY_VALUE[button_value]
        if button.needs_time:
            self.check_go_live_time(when)
        return self._move(button.action, by=by, note=note, when=when if button.needs_time else None)

    # Moving ----------------------------------------------------------------------------------

    def submit_for_review(self, *, by=None, note=""):
        return self._move(Action.SUBMIT, by=by, note=note)

    def approve(self, *, by=None, when=None, note=""):
        """In review to published now, or to scheduled for ``when``."""
        return self._move(Action.APPROVE, by=by, note=note, when=when)

    def send_back(self, *, by=None, note):
        """Back to the author as a draft, with a note saying what to change."""
        return self._move(Action.SEND_BACK, by=by, note=note)

    def schedule(self, when, *, by=None, note=""):
        """Go live at ``when`` (a time to come); rescheduling a scheduled story moves its time."""
        return self._move(Action.SCHEDULE, by=by, note=note, when=when)

    def publish(self, *, by=None, note=""):
        """Public now. A story published before (and unpublished) keeps its first date."""
        return self._move(Action.PUBLISH, by=by, note=note)

    def unpublish(self, *, by=None, note=""):
        """Gone from every public page, kept in the admin; ``reopen`` makes it a draft again."""
        return self._move(Action.UNPUBLISH, by=by, note=note)

    def reopen(self, *, by=None, note=""):
        return self._move(Action.REOPEN, by=by, note=note)

    def go_live(self):
        """The system's move at a scheduled story's time; False if it is not due (any more)."""
        return self._system_move(Action.GO_LIVE, published_at__lte=timezone.now())

    def expire(self):
        """The system's move at a published story's expiry time; False if not due."""
        return self._system_move(Action.EXPIRE, expires_at__lte=timezone.now())

    def _system_move(self, action, **due):
        try:
            self._move(action, by=SYSTEM, condition=due)
        except TransitionNotAllowed:
            return False
        return True

    def _move(self, action, *, by, note="", when=None, condition=None):
        action = Action(action)
        rule = RULES[action]
        note = (note or "").strip()
        if not self.may(action, by):
            raise TransitionNotAllowed(self.refusal(action, by))
        if rule.needs_note and not note:
            raise ValidationError({"note": "Say what should change: the author reads this note."})
        now = timezone.now()
        changes = {"status": rule.target, "updated_at": now}
        if rule.needs_time or (action == Action.APPROVE and when is not None):
            changes.update(status=Status.SCHEDULED, published_at=self.check_go_live_time(when))
        elif (
            rule.target == Status.PUBLISHED
            and action != Action.GO_LIVE
            # Now, unless it went out before (a republished story keeps its first date).
            and (self.published_at is None or self.published_at > now)
        ):
            changes["published_at"] = now
        if action == Action.EXPIRE:
            note = note or f"Expiry time {local_time(self.expires_at)} reached."
            changes["expires_at"] = None  # so publishing it again does not expire it at once
        if action == Action.SCHEDULE and self.status == Status.SCHEDULED:
            note = note or f"Moved from {local_time(self.published_at)}."
        before = self.status
        with self.editing(by, note=action.label, based_on=self.LATEST):
            moved = (
                type(self)
                .objects.filter(pk=self.pk, status=before, **(condition or {}))
                .update(**changes)
            )
            if not moved:
                current = type(self).objects.filter(pk=self.pk).values_list("status", flat=True)
                current = Status(current.first()).label if current else "deleted"
                raise TransitionNotAllowed(
                    f"Someone else moved this article meanwhile: it is now {current}."
                )
            for field, value in changes.items():
                setattr(self, field, value)
            transition = self.transitions.create(
                action=action,
                from_status=before,
                to_status=self.status,
                by=by,
                note=note,
                created_at=now,
            )
        page_cache.purge_article(self)
        return transition

    def check_go_live_time(self, when):
        problem = go_live_time_problem(when, self.expires_at)
        if problem:
            raise ValidationError({"when": problem})
        return when

    def refusal(self, action, user):
        """Why ``user`` may not make ``action`` now, for the message they see."""
        rule = RULES[action]
        if self.status not in rule.sources:
            state = self.get_status_display().lower()
            return f"“{action.label}” is not possible for an article that is {state}."
        if rule.permission is SYSTEM:
            return f"“{action.label}” is done by the system only."
        return f"You may not “{action.label}” this article: Editors do that."

    # Reading ---------------------------------------------------------------------------------

    @property
    def goes_live_at(self):
        """When a scheduled story goes live; None for anything else."""
        return self.published_at if self.status == Status.SCHEDULED else None

    @property
    def has_public_address(self):
        """Whether readers may have its address: it went out (even if unpublished since)."""
        return (
            self.status in (Status.PUBLISHED, Status.UNPUBLISHED)
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def calendar_day(self):
        """The day the editorial calendar shows it on (see ``on_calendar``)."""
        if self.status in (Status.SCHEDULED, Status.PUBLISHED) and self.published_at:
            return timezone.localdate(self.published_at)
        return self.planned_on

    @property
    def is_overdue(self):
        """Scheduled, its time passed more than ``OVERDUE_AFTER`` ago, and still not public:
        the sweep is not running."""
        return (
            self.status == Status.SCHEDULED
            and self.published_at is not None
            and self.published_at < timezone.now() - OVERDUE_AFTER
        )


OVERDUE_AFTER = timedelta(minutes=2)


class Transition(models.Model):
    """One move of an article between states: who, when, from, to, and the note."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="transitions"
    )
    action = models.CharField(max_length=20, choices=Action)
    from_status = models.CharField("from", max_length=20, choices=Status)
    to_status = models.CharField("to", max_length=20, choices=Status)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the system made the move (a scheduled story going live).",
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["article", "-created_at"], name="transition_article")]

    def __str__(self):
        return f"{self.article}: {self.get_from_status_display()} → {self.get_to_status_display()}"

    @property
    def by_name(self):
        return display_name(self.by)
