"""Editors run the newsletter: they compose and send issues and answer subscribers' data requests.

``migrations/0002_editor_permissions`` grants these (with a reverse). Test runs and ``flush`` empty
every table and re-send ``post_migrate``; this receiver grants them again, so they always hold.
Nobody is given ``add_subscriber``: readers join through the double opt-in, never by hand.
"""

GROUPS = ("Editors",)
PERMISSIONS = {
    "issue": ("view", "add", "change", "delete"),
    "issuearticle": ("view", "add", "change", "delete"),
    "subscriber": ("view", "change", "delete"),
    "delivery": ("view",),
}


def ensure_newsletter_groups(sender=None, using="default", **kwargs):
    from django.contrib.auth.models import Group, Permission

    codenames = [
        f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions
    ]
    permissions = Permission.objects.db_manager(using).filter(
        content_type__app_label="newsletter", codename__in=codenames
    )
    for name in GROUPS:
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(*permissions)
