"""Editors run the newsletter: they compose and send issues and answer subscribers' data requests.

``migrations/0002_editor_permissions`` grants these (with a reverse). Test runs and ``flush`` empty
every table and re-send ``post_migrate``; this receiver grants them again, so they always hold.
Nobody is given ``add_subscriber``: readers join through the double opt-in, never by hand.
"""

from articles.groups import grant

GROUPS = ("Editors",)
PERMISSIONS = {
    "issue": ("view", "add", "change", "delete"),
    "issuearticle": ("view", "add", "change", "delete"),
    "subscriber": ("view", "change", "delete"),
    "delivery": ("view",),
}


def ensure_newsletter_groups(sender=None, using="default", **kwargs):
    grant("newsletter", PERMISSIONS, GROUPS, using=using)
