import importlib

import pytest
from django.apps import apps

group_migration = importlib.import_module("comments.migrations.0002_moderator_groups")


@pytest.fixture(autouse=True)
def moderator_groups(db):
    """The groups the data migration makes; browser tests flush the database, so make sure."""
    group_migration.grant(apps, None)
