"""A read replica for PostgreSQL (``DATABASE_REPLICA_URL``): reads there, writes to the primary.

Reads inside a transaction stay on the primary, so a change that reads what it just wrote (the
admin, the workflow's moves, the task workers' jobs, which run in transactions) sees it. A replica
lags its primary a little: a page rendered from it just after a change could be stored by the
page cache as current, so with a replica the page cache purges each address a second time after
``DATABASE_REPLICA_LAG_SECONDS`` (``newsroom.pagecache.purge``).
"""

from django.db import connections


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if connections["default"].in_atomic_block:
            return "default"
        return "replica"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
