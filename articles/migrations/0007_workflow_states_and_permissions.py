"""The publishing workflow's data: stories marked published with a time still to come were
really waiting, so they become Scheduled (the sweep publishes them at their time); Editors get
the preview-link and redirect permissions and, with Authors, may read the transition history."""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone

ALL = ("add", "change", "delete", "view")
# A frozen copy of what this migration grants (articles.groups.PERMISSIONS is the live rule).
GRANTS = {
    "Editors": {"previewlink": ALL, "redirect": ALL, "transition": ("view",)},
    "Authors": {"transition": ("view",)},
}


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
    for name, model_actions in GRANTS.items():
        group, _ = Group.objects.using(db).get_or_create(name=name)
        group.permissions.add(*_permissions(apps, db, model_actions))


def revoke(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    for name, model_actions in GRANTS.items():
        group = Group.objects.using(db).filter(name=name).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, db, model_actions))


def future_published_to_scheduled(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Article.objects.using(schema_editor.connection.alias).filter(
        status="published", published_at__gt=timezone.now()
    ).update(status="scheduled")


def new_states_to_old(apps, schema_editor):
    """Back to the two states the earlier code knew: scheduled stories were published with a
    time to come; in review and unpublished ones were drafts."""
    Article = apps.get_model("articles", "Article")
    articles = Article.objects.using(schema_editor.connection.alias)
    articles.filter(status="scheduled").update(status="published")
    articles.filter(status__in=["in_review", "unpublished"]).update(status="draft")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_publishing_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(future_published_to_scheduled, new_states_to_old),
        migrations.RunPython(grant, revoke),
    ]
