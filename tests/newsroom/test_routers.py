"""The read-replica setting (DATABASE_REPLICA_URL) and its router."""

import os
import subprocess
import sys

import pytest
from django.db import transaction

from newsroom.routers import ReplicaRouter
from tests.tools import ROOT


def test_the_replica_url_adds_a_database_and_the_router():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "NEWSROOM_INSECURE_DEV_KEY": "1",
        "DATABASE_URL": "postgres://app@primary.example:5432/news",
        "DATABASE_REPLICA_URL": "postgres://app@replica.example:5432/news",
    }
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['replica']['HOST'], settings.DATABASE_ROUTERS)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "replica.example ['newsroom.routers.ReplicaRouter']"


@pytest.mark.django_db
def test_reads_go_to_the_replica_except_inside_a_transaction():
    router = ReplicaRouter()
    from articles.models import Article

    assert router.db_for_write(Article) == "default"
    assert router.allow_migrate("replica", "articles") is False
    with transaction.atomic():
        assert router.db_for_read(Article) == "default"


def test_reads_outside_a_transaction_go_to_the_replica():
    from articles.models import Article

    assert ReplicaRouter().db_for_read(Article) == "replica"
