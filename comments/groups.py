"""Moderators (and Editors) review comments and keep the blocklist; Moderators nothing else.

``migrations/0002_moderator_groups`` grants these (with a reverse). Test runs and ``flush`` empty
every table and re-send ``post_migrate``; this receiver grants them again, so they always hold.
"""

MODERATORS = "Moderators"
GROUPS = (MODERATORS, "Editors")
PERMISSIONS = {
    "comment": ("view", "change", "delete"),
    "blockedterm": ("view", "add", "change", "delete"),
}


def ensure_moderation_groups(sender=None, using="default", **kwargs):
    from django.contrib.auth.models import Group, Permission

    codenames = [
        f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions
    ]
    permissions = Permission.objects.db_manager(using).filter(
        content_type__app_label="comments", codename__in=codenames
    )
    for name in GROUPS:
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(*permissions)
