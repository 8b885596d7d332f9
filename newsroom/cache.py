"""Cache invalidation, in one place: explicit functions called when public content changes.

Nothing here runs from ``save()`` or a signal. The model methods and admin actions that change
what readers see call these functions, which act once the surrounding transaction commits
(``transaction.on_commit``): a rolled-back change purges nothing, and no reader can put the old
version back into a cache between the purge and the commit.

Two kinds of cached data exist:

- *fragments* every page needs (the section menu, the site settings), kept under the keys below
  and rebuilt by their readers (``Section.objects.menu()``, ``SiteSettings.load()``);
- *pages*: whatever stores whole pages receives the paths to drop, or ``EVERYTHING``: the
  purgers named in ``settings.CACHE_PURGERS`` (the page cache, ``newsroom.pagecache.purge``, and
  the CDN hook, ``newsroom.cdn.purge``), in every process that purges (web and task workers
  alike), and any registered with :func:`register_purger`.
"""

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils.module_loading import import_string

MENU_KEY = "articles:menu-sections"
SITE_SETTINGS_KEY = "articles:site-settings"


def fragments():
    """Where the fragments live: the cache every process of the site shares
    (``CACHES["shared"]``: the same Redis, or a folder on this machine), so a purge in the
    admin's process reaches every web worker, and no worker rebuilds a page with an old menu.
    Settings that name no such cache get the default one."""
    return caches["shared" if "shared" in settings.CACHES else "default"]


# The sitemap files an article can appear in (articles/sitemaps.py's SITEMAPS); a story's change
# purges their first files (the later ``?p=`` files of the same paths go with them in a page
# cache that keys by path).
SITEMAP_SECTIONS = ("articles", "sections", "tags", "authors")

EVERYTHING = None  # passed to purgers: every page may show what changed (the menu, say)

_purgers = []


def register_purger(purger):
    """Call ``purger(paths)`` after each purge: a list of URL paths, or ``EVERYTHING``."""
    if purger not in _purgers:
        _purgers.append(purger)
    return purger


def unregister_purger(purger):
    if purger in _purgers:
        _purgers.remove(purger)


def _configured_purgers():
    return [import_string(path) for path in getattr(settings, "CACHE_PURGERS", ())]


def _run_purgers(paths):
    for purger in [*_configured_purgers(), *_purgers]:
        purger(paths)


def purge_paths(paths):
    """Drop the cached pages at ``paths`` once the transaction commits."""
    paths = sorted({str(path) for path in paths})
    if paths:
        transaction.on_commit(lambda: _run_purgers(paths))


def purge_everything():
    """Drop every cached page once the transaction commits (something on every page changed)."""
    transaction.on_commit(lambda: _run_purgers(EVERYTHING))


def purge_menu():
    """The sections changed: the menu, and so every page, is out of date."""
    transaction.on_commit(lambda: fragments().delete(MENU_KEY))
    purge_everything()


def purge_site_settings():
    """The advertisement or the "follow us" links changed: they are on every page."""
    transaction.on_commit(lambda: fragments().delete(SITE_SETTINGS_KEY))
    purge_everything()


def article_paths(article):
    """Every public page that shows ``article``: its own, the home page, the corrections page,
    its section, its tags' and its authors' pages, the feeds of each (RSS and Atom) and the
    sitemaps. Call it before a change as well as after when the change moves the article (a new
    section or slug), so the old pages go too."""
    from django.urls import reverse

    def with_feeds(name, slug):
        return {
            reverse(f"articles:{name}", args=[slug]),
            reverse(f"articles:{name}_feed", args=[slug]),
            reverse(f"articles:{name}_feed_atom", args=[slug]),
        }

    paths = {
        reverse("articles:home"),
        reverse("articles:corrections"),
        reverse("articles:feed"),
        reverse("articles:feed_atom"),
        reverse("articles:sitemap_index"),
        reverse("articles:sitemap_news"),
        *(reverse("articles:sitemap", args=[name]) for name in SITEMAP_SECTIONS),
        article.get_absolute_url(),
    }
    if article.section_id:
        paths |= with_feeds("section", article.section.slug)
    if article.pk:
        for tag in article.tags.all():
            paths |= with_feeds("tag", tag.slug)
        for author in article.authors.all():
            paths |= with_feeds("author", author.slug)
    return paths


def purge_article(article, *, also=()):
    """``article`` changed (published, edited, unpublished, corrected): drop every page showing
    it, plus ``also`` (paths computed before the change, from :func:`article_paths`)."""
    purge_paths(article_paths(article) | set(also))


def purge_comments(article):
    """A comment under ``article`` appeared or went: only the article's own page shows them."""
    purge_paths([article.get_absolute_url()])
