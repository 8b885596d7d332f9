"""Background work for the whole site: the periodic sweep.

Work that must happen at a given time (a scheduled story going live, a scheduled newsletter going
out) is enqueued for that time, and the sweep runs every minute as a safety net: a task that was
lost (a worker restarted, a queue flushed, a backend without delayed tasks) never leaves the work
undone. Each job in ``settings.SWEEP_JOBS`` must be safe to run twice at once; the sweep only
says "look now".
"""

import logging
import time

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string

from newsroom import cache as page_cache

logger = logging.getLogger(__name__)


def run_sweep():
    """Run every sweep job once; a failing job is logged and does not stop the others."""
    results = {}
    for path in settings.SWEEP_JOBS:
        try:
            results[path] = import_string(path)()
        except Exception:
            logger.exception("Sweep job %s failed", path)
            results[path] = "failed"
    return results


@task
def sweep():
    """The sweep as a task, for ``manage.py sweep --enqueue`` (cron, RQ deployments)."""
    return run_sweep()


# The publishing workflow's timed work -----------------------------------------------------------


def schedule_timed_work(article):
    """Enqueue, once the change commits, what must happen to ``article`` at a time: going live
    (a scheduled story) and expiring (a story with an expiry time). Call it after scheduling,
    rescheduling, or setting an expiry. A task for a time since changed finds nothing due and
    does nothing; one enqueued twice moves the story once. Backends that cannot run a task
    later leave it to the minute sweep."""
    pk = article.pk
    for when, work in ((article.goes_live_at, go_live), (article.expires_at, expire)):
        if when is not None:
            transaction.on_commit(lambda when=when, work=work: _enqueue_at(work, when, pk))


def _enqueue_at(work, when, pk):
    if work.get_backend().supports_defer:
        work.using(run_after=when).enqueue(pk)
    elif when <= timezone.now():
        work.enqueue(pk)


@task
def go_live(article_id):
    """Publish a scheduled story if its time has come (1), else nothing (0)."""
    from .models import Article

    return Article.objects.filter(pk=article_id).go_live()


@task
def expire(article_id):
    """Unpublish a story whose expiry time has come (1), else nothing (0)."""
    from .models import Article

    return Article.objects.filter(pk=article_id).expire()


def publish_due_articles():
    """Sweep job: publish every scheduled story whose time has come (a lost task's too)."""
    from .models import Article

    return Article.objects.go_live()


def expire_articles():
    """Sweep job: unpublish every story whose expiry time has come."""
    from .models import Article

    return Article.objects.expire()


def end_lead_pins():
    """Sweep job: a lead pin whose end time passed lets the home page go back to its rule."""
    from .models import Article

    return Article.objects.end_lead_pins()


def merge_search_index(budget=1.0):
    """Sweep job: merge SQLite's full-text index a step at a time for at most ``budget``
    seconds (``articles.search.merge_index_step``); the steps merged, 0 when it is merged."""
    from . import search

    started, steps = time.monotonic(), 0
    while time.monotonic() - started < budget and search.merge_index_step():
        steps += 1
    return steps


# Pictures --------------------------------------------------------------------------------------


def schedule_renditions(image):
    """Make ``image``'s renditions in the background, once its upload is committed."""
    pk = image.pk
    transaction.on_commit(lambda: make_renditions.enqueue(pk))


def schedule_crops(image):
    """Cut ``image``'s fixed-ratio crops again (an editor moved its focal point), on commit."""
    pk = image.pk
    transaction.on_commit(lambda: make_crops.enqueue(pk))


def schedule_file_removal(image):
    """Remove ``image``'s file and renditions once its deletion is committed. Call it before
    deleting: the row, and so the names of its files, is gone afterwards."""
    name, prefix = image.file.name, image.rendition_prefix
    transaction.on_commit(lambda: remove_image_files.enqueue(name, prefix))


@task
def make_renditions(image_id):
    """Render a picture's widths, drop the renditions of the file it replaced, and re-render the
    bodies that show it, so inline pictures get their ``srcset`` too."""
    from .models import Article, Image

    image = Image.objects.filter(pk=image_id).first()
    if image is None or not image.file:
        return 0
    image.make_renditions()
    image.remove_stale_renditions()
    return Article.objects.showing_inline(image).rerender_bodies()


@task
def make_crops(image_id):
    """A picture's 16:9, 4:3 and 1:1 crops around its focal point (see ``Image.make_crops``),
    and the pages whose previews and structured data name them purged."""
    from .models import Image

    image = Image.objects.filter(pk=image_id).first()
    if image is None or not image.file:
        return 0
    if not image.has_current_crops:
        image.make_crops()
        for article in image.lead_for.select_related("section"):
            page_cache.purge_article(article)
    return len(image.crops) - 1


@task
def remove_image_files(file_name, rendition_prefix):
    """A deleted picture's original and renditions (see ``schedule_file_removal``)."""
    from .models.image import remove_files

    return remove_files(file_name, rendition_prefix)
