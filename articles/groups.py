"""The newsroom's groups and what each may do with articles, kept in step after every ``migrate``.

``PERMISSIONS`` is the one source: the post_migrate receiver below grants it, after every
``migrate`` and every ``flush`` (test runs empty the tables and re-send post_migrate, which brings
permissions back but not the rows data migrations made). The migrations that first created the
groups (``0002_groups``, ``0005_...``, ``0007_...``) keep frozen copies, as migrations must.

Editors: everything about articles, pictures, sections, authors and tags, and publishing.
Authors: write and change articles (the admin keeps them to their own drafts), add pictures,
never publish; they submit their drafts for review. Moderators: made here, given the comments
app's permissions by that app.
"""

EDITORS, AUTHORS, MODERATORS = "Editors", "Authors", "Moderators"

ALL = ("add", "change", "delete", "view")

PERMISSIONS = {
    EDITORS: {
        "article": (*ALL, "publish"),
        "articleauthor": ALL,
        "author": ALL,
        "correction": ALL,
        "image": ALL,
        "previewlink": ALL,
        "redirect": ALL,
        "section": ALL,
        "tag": ALL,
        "taggedarticle": ALL,
        "transition": ("view",),
    },
    AUTHORS: {
        "article": ("add", "change", "view"),
        "articleauthor": ALL,
        "image": ("add", "view"),
        "author": ("view",),
        "section": ("view",),
        "tag": ("view",),
        "transition": ("view",),
    },
}


def ensure_groups(sender=None, using="default", **kwargs):
    """Create the groups if missing and give them their permissions (adds, never removes)."""
    from django.contrib.auth.models import Group

    for group, permissions in PERMISSIONS.items():
        grant("articles", permissions, [group], using=using)
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
