"""Background work for the whole site: the periodic sweep.

Work that must happen at a given time (a scheduled story going live, a scheduled newsletter going
out) is enqueued for that time, and the sweep runs every minute as a safety net: a task that was
lost (a worker restarted, a queue flushed, a backend without delayed tasks) never leaves the work
undone. Each job in ``settings.SWEEP_JOBS`` must be safe to run twice at once; the sweep only
says "look now".
"""

import logging

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils.module_loading import import_string

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


def schedule_renditions(image):
    """Make ``image``'s renditions in the background, once its upload is committed."""
    pk = image.pk
    transaction.on_commit(lambda: make_renditions.enqueue(pk))


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
def remove_image_files(file_name, rendition_prefix):
    """A deleted picture's original and renditions (see ``schedule_file_removal``)."""
    from .models.image import remove_files

    return remove_files(file_name, rendition_prefix)
