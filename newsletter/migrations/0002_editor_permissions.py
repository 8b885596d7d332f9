"""Editors compose and send issues and answer subscribers' data requests (no adding readers)."""

from django.db import migrations

GROUPS = ("Editors",)
PERMISSIONS = {
    "issue": ("view", "add", "change", "delete"),
    "issuearticle": ("view", "add", "change", "delete"),
    "subscriber": ("view", "change", "delete"),
    "delivery": ("view",),
}


def _permissions(apps):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make sure they exist now.
    app_config = apps.get_app_config("newsletter")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label="newsletter", codename=f"{action}_{model}")
        for model, actions in PERMISSIONS.items()
        for action in actions
    ]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    permissions = _permissions(apps)
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="newsletter")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("newsletter", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
