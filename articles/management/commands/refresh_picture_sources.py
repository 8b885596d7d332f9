"""``manage.py refresh_picture_sources``: build every picture's kept addresses again.

Pages print a picture's srcsets from ``Image.sources``, built when its renditions were made.
After ``MEDIA_URL`` or the media storage changes (a CDN in front, a bucket), run this once so
pages point at the new addresses; the page cache is purged as for any picture change.
"""

from django.core.management.base import BaseCommand

from articles.models import Image
from newsroom import cache as page_cache


class Command(BaseCommand):
    help = (
        "Build every picture's rendition addresses again (after MEDIA_URL or the storage changes)."
    )

    def handle(self, *args, **options):
        changed = 0
        for image in Image.objects.exclude(renditions=[]).iterator(chunk_size=500):
            sources = image.built_sources()
            if sources != image.sources:
                Image.objects.filter(pk=image.pk).update(sources=sources)
                changed += 1
        if changed:
            page_cache.purge_everything()
        self.stdout.write(f"{changed} picture(s) refreshed.")
