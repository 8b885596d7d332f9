"""Editors get the correction permissions (until now only granted after migrate, never by a
migration) and, with Authors, the permissions of the new tag models; taggit's own tag
permissions, no longer used, are taken back."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
# A frozen copy of what this migration grants (articles.groups.PERMISSIONS is the live rule).
GRANTS = {
    "Editors": {"correction": ALL, "tag": ALL, "taggedarticle": ALL},
    "Authors": {"tag": ("view",)},
}
TAGGIT_CODENAMES = [f"{action}_{model}" for model in ("tag", "taggeditem") for action in ALL]


def _permissions(apps, db, model_actions):
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{a}_{m}" for m, actions in model_actions.items() for a in actions]
    found = list(
        Permission.objects.using(db).filter(
            content_type__app_label="articles", codename__in=codenames
        )
    )
    missing = set(codenames) - {p.codename for p in found}
    if missing:
        raise RuntimeError(f"Permissions not found: {sorted(missing)}")
    return found


def grant(apps, schema_editor):
    db = schema_editor.connection.alias
    # Permissions are normally made by post_migrate, after every migration: make them now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=db)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    taggit = Permission.objects.using(db).filter(
        content_type__app_label="taggit", codename__in=TAGGIT_CODENAMES
    )
    for name, model_actions in GRANTS.items():
        group, _ = Group.objects.using(db).get_or_create(name=name)
        group.permissions.add(*_permissions(apps, db, model_actions))
        group.permissions.remove(*taggit)


def revoke(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    for name, model_actions in GRANTS.items():
        group = Group.objects.using(db).filter(name=name).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, db, model_actions))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_unicode_slugs_and_own_tags"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
