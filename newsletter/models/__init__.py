"""Subscribers who opted in twice, issues editors compose, and one delivery row per recipient.

The sending engine (``newsletter.sending``) works only through ``Delivery`` rows: they are frozen
when an issue starts sending, claimed in batches, and marked before and after each SMTP send so a
crash can repeat at most the one message that was in flight.
"""

from .delivery import Delivery
from .issue import Issue, IssueArticle, IssueQuerySet
from .subscriber import Subscriber, SubscriberQuerySet

__all__ = [
    "Delivery",
    "Issue",
    "IssueArticle",
    "IssueQuerySet",
    "Subscriber",
    "SubscriberQuerySet",
]
