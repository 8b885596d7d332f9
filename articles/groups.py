"""The newsroom's groups and their permissions, kept in step after every ``migrate``/flush.

``migrations/0002_groups`` creates them (with a reverse). Test runs and ``flush`` empty every
table and then re-send ``post_migrate``, which re-creates permissions but not data-migration rows;
this receiver puts the groups back the same way, so they are always there.
"""

EDITORS, AUTHORS, MODERATORS = "Editors", "Authors", "Moderators"

EDITOR_MODELS = {
    "articles": ["article", "articleauthor", "author", "correction", "image", "section"],
    "taggit": ["tag", "taggeditem"],
}
AUTHOR_PERMISSIONS = {
    "articles": [
        "add_article",
        "change_article",
        "view_article",
        "add_articleauthor",
        "change_articleauthor",
        "delete_articleauthor",
        "view_articleauthor",
        "add_image",
        "view_image",
        "view_author",
        "view_section",
    ],
    "taggit": ["view_tag"],
}


def editor_permissions():
    codenames = {
        app_label: [f"{a}_{m}" for m in models for a in ("add", "change", "delete", "view")]
        for app_label, models in EDITOR_MODELS.items()
    }
    codenames["articles"].append("publish_article")
    return codenames


def _find(permissions, codenames_by_app):
    found = []
    for app_label, codenames in codenames_by_app.items():
        found.extend(permissions.filter(content_type__app_label=app_label, codename__in=codenames))
    return found


def ensure_groups(sender=None, using="default", **kwargs):
    """Create the groups if missing and give them their permissions (adds, never removes)."""
    from django.contrib.auth.models import Group, Permission

    editors, _ = Group.objects.using(using).get_or_create(name=EDITORS)
    editors.permissions.add(*_find(Permission.objects.db_manager(using), editor_permissions()))
    authors, _ = Group.objects.using(using).get_or_create(name=AUTHORS)
    authors.permissions.add(*_find(Permission.objects.db_manager(using), AUTHOR_PERMISSIONS))
    Group.objects.using(using).get_or_create(name=MODERATORS)


def grant(app_label, permissions, groups, using="default"):
    """Give each named group (created if missing) ``permissions`` of ``app_label``: a mapping
    of model name to actions. The apps that keep their own grants (comments, newsletter) call
    this from their ``post_migrate`` receivers."""
    from django.contrib.auth.models import Group, Permission

    codenames = [
        f"{action}_{model}" for model, actions in permissions.items() for action in actions
    ]
    found = Permission.objects.db_manager(using).filter(
        content_type__app_label=app_label, codename__in=codenames
    )
    for name in groups:
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(*found)
