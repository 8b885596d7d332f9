"""Moderators (and Editors) review comments and keep the blocklist; Moderators nothing else.

``PERMISSIONS`` is the one source: this ``post_migrate`` receiver grants it after every
``migrate`` and after every ``flush`` (test runs, browser tests), so the groups always hold it.
``migrations/0002_moderator_groups`` keeps a frozen copy of it, as migrations must.
"""

from articles.groups import EDITORS, MODERATORS, grant

GROUPS = (MODERATORS, EDITORS)
PERMISSIONS = {
    "comment": ("view", "change", "delete"),
    "blockedterm": ("view", "add", "change", "delete"),
}
# Granted since the moderation log came (after 0002 froze ``PERMISSIONS``): reading it only;
# entries are written by the actions themselves.
LOG_PERMISSIONS = {"moderationlogentry": ("view",)}


def ensure_moderation_groups(sender=None, using="default", **kwargs):
    grant("comments", {**PERMISSIONS, **LOG_PERMISSIONS}, GROUPS, using=using)
