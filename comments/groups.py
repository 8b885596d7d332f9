"""Moderators (and Editors) review comments and keep the blocklist; Moderators nothing else.

``migrations/0002_moderator_groups`` grants these (with a reverse). Test runs and ``flush`` empty
every table and re-send ``post_migrate``; this receiver grants them again, so they always hold.
"""

from articles.groups import grant

MODERATORS = "Moderators"
GROUPS = (MODERATORS, "Editors")
PERMISSIONS = {
    "comment": ("view", "change", "delete"),
    "blockedterm": ("view", "add", "change", "delete"),
}


def ensure_moderation_groups(sender=None, using="default", **kwargs):
    grant("comments", PERMISSIONS, GROUPS, using=using)
