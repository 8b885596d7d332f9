"""The newsroom's groups and what each may do.

Editors: everything about articles (articles, bylines, authors, sections, the image library,
tags) and the ``publish_article`` permission. Authors: write and change articles (the admin keeps
them to their own drafts) and add pictures to the library, never publish. Moderators: created
empty here; the comments app gives them its permissions in its own migration.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS, AUTHORS, MODERATORS = "Editors", "Authors", "Moderators"

EDITOR_MODELS = {
    "articles": ["article", "articleauthor", "author", "image", "section"],
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


def _permissions(apps, codenames_by_app):
    Permission = apps.get_model("auth", "Permission")
    wanted = []
    for app_label, codenames in codenames_by_app.items():
        found = Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        missing = set(codenames) - set(found.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions not found for {app_label}: {sorted(missing)}")
        wanted.extend(found)
    return wanted


def create_groups(apps, schema_editor):
    # Permissions are normally made by post_migrate, after every migration has run; make them now.
    for label in ("articles", "taggit"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)

    Group = apps.get_model("auth", "Group")
    editor_codenames = {
        app_label: [
            f"{action}_{model}"
            for model in models
            for action in ("add", "change", "delete", "view")
        ]
        for app_label, models in EDITOR_MODELS.items()
    }
    editor_codenames["articles"].append("publish_article")

    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.add(*_permissions(apps, editor_codenames))
    authors, _ = Group.objects.get_or_create(name=AUTHORS)
    authors.permissions.add(*_permissions(apps, AUTHOR_PERMISSIONS))
    Group.objects.get_or_create(name=MODERATORS)


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=[EDITORS, AUTHORS, MODERATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
