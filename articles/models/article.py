"""Articles: what editors write and readers read, and the gate that decides what is public."""

import datetime
from collections import defaultdict

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import F, Prefetch, Subquery, Value, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager

from newsroom import cache as page_cache
from newsroom.links import reverse_path
from newsroom.sanitizer import clean_html

from .. import search as fulltext
from .author import Author
from .correction import Correction
from .editing import Editing
from .image import Image
from .redirect import Redirect
from .section import Section
from .slugs import unique_slug
from .workflow import OVERDUE_AFTER, RULES, Action, Status, TransitionNotAllowed, Workflow

# Columns a teaser never shows: a story's text and its search vector are most of its row, and on
# SQLite reading past them means walking the row's overflow pages.
LISTING_SKIPS = ("body", "body_html", "search_vector")


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The one gate for everything public: see ``Article.public_filter``."""
        return self.filter(Article.public_filter())

    def viewable_by(self, user):
        """What a staff ``user`` may open in the admin and preview on the site.

        Those who may publish see everything; anyone else who may view articles (an Author) sees
        the articles that carry their name; other staff (a Moderator) see none.
        """
        if user.has_perm("articles.publish_article"):
            return self
        if user.has_perm("articles.view_article"):
            return self.filter(authors__user=user)
        return self.none()

    def publish(self, *, by=None):
        """Publish each article in the set that may be published (by ``by``); returns how
        many. Each move is recorded and purges its pages (see ``Workflow.publish``)."""
        return self._move_each(Action.PUBLISH, by)

    def unpublish(self, *, by=None):
        """Unpublish each published article in the set; returns how many."""
        return self._move_each(Action.UNPUBLISH, by)

    def _move_each(self, action, by):
        moved = 0
        for article in self.filter(status__in=RULES[action].sources).order_by("pk"):
            if article.may(action, by):
                try:
                    article._move(action, by=by)
                except TransitionNotAllowed:
                    continue  # moved by someone else meanwhile
                moved += 1
        return moved

    def due_to_go_live(self, now=None):
        """Scheduled stories whose time has come (the task's and the sweep's work)."""
        return self.filter(status=Article.Status.SCHEDULED, published_at__lte=now or timezone.now())

    def due_to_expire(self, now=None):
        """Published stories whose expiry time has come."""
        return self.filter(status=Article.Status.PUBLISHED, expires_at__lte=now or timezone.now())

    def go_live(self):
        """Publish every scheduled story in the set whose time has come; returns how many.
        Safe to run twice at once (a task and the sweep): each story moves once."""
        return sum(article.go_live() for article in self.due_to_go_live())

    def expire(self):
        """Unpublish every story in the set whose expiry time has come; returns how many."""
        return sum(article.expire() for article in self.due_to_expire())

    def overdue(self):
        """Scheduled stories whose time passed more than two minutes ago: none of these should
        exist while the sweep runs (the admin warns about them)."""
        return self.due_to_go_live(timezone.now() - OVERDUE_AFTER)

    def on_calendar(self, first, last):
        """What the editorial calendar shows from day ``first`` to ``last``: scheduled and
        published stories by the day they go live, drafts and stories in review by their
        planned day. Each has a ``calendar_day``."""
        start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
        end = timezone.make_aware(
            datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
        )
        dated = models.Q(
            status__in=[Article.Status.SCHEDULED, Article.Status.PUBLISHED],
            published_at__gte=start,
            published_at__lt=end,
        )
        planned = models.Q(
            status__in=[Article.Status.DRAFT, Article.Status.IN_REVIEW],
            planned_on__gte=first,
            planned_on__lte=last,
        )
        return (
            self.filter(dated | planned)
            .select_related("section")
            .order_by("published_at", "planned_on", "pk")
        )

    def lead_pins_ended(self, now=None):
        return self.filter(is_pinned_lead=True, lead_until__lte=now or timezone.now())

    def end_lead_pins(self):
        """Unpin the stories whose lead pin has ended, and purge the pages showing them (the
        home page); returns how many."""
        ended = list(self.lead_pins_ended())
        for article in ended:
            article.unpin("The lead pin ended")
            page_cache.purge_article(article)
        return len(ended)

    def pinned_lead(self):
        """The story an editor pinned to lead the home page, if its pin holds and it is public."""
        now = timezone.now()
        # Pinning one story unpins the others, so there is one at most (a few after a race).
        # Their keys come from their own index; then only those rows are read. Asked together
        # with "public" in one query, SQLite walked every public story newest first looking for
        # a pin: the whole archive when nothing is pinned.
        pinned = list(self.model.objects.filter(is_pinned_lead=True).values_list("pk", flat=True))
        if not pinned:
            return None
        found = (
            self.published()
            .filter(pk__in=pinned)
            .filter(models.Q(lead_until__isnull=True) | models.Q(lead_until__gt=now))
        )
        return next(iter(found.order_by("-published_at", "-pk").newest_rows(1)), None)

    def newest_rows(self, count, rows=None):
        """The first ``count`` of these stories in their order, as ``rows`` (by default
        ``for_listing()``) read by key: the keys from the stories' own indexes, with no join
        for SQLite's planner to start from (see ``pagination.KeyedPaginator``)."""
        rows = self.model.objects.for_listing() if rows is None else rows
        return list(rows.filter(pk__in=Subquery(self.values("pk")[:count])))

    def purge_pages(self):
        """Drop the cached pages showing these articles (``newsroom.cache``), on commit."""
        for article in self.select_related("section").prefetch_related("tags", "authors"):
            page_cache.purge_article(article)

    def showing_inline(self, image):
        """Articles whose body shows ``image`` from the library (by its file's address)."""
        return self.filter(body__contains=image.file.name)

    def rerender_bodies(self):
        """Render these bodies again (a picture in them got its renditions); returns how many
        changed, and purges their pages."""
        changed = []
        for pk, body, body_html in self.values_list("pk", "body", "body_html").iterator():
            html = render_body(body)
            if html != body_html:
                Article.objects.filter(pk=pk).update(body_html=html)
                changed.append(pk)
        Article.objects.filter(pk__in=changed).purge_pages()
        return len(changed)

    def for_listing(self, bylines=True):
        """What a list of teasers needs, in a fixed number of queries whatever the length.
        ``bylines=False`` leaves the authors to :meth:`prefetch_bylines` (one query for the
        article page's story and its related stories together)."""
        listing = self.select_related("section", "lead_image").defer(*LISTING_SKIPS)
        return listing.prefetch_related(byline_prefetch()) if bylines else listing

    def prefetch_bylines(self, articles):
        """The authors of each of ``articles``, in byline order, in one query, as each one's
        ``ordered_authors``; returns them. Read from the byline table directly: for the article
        page's five stories Django's prefetch machinery cost more than the query."""
        articles = [article for article in articles if article is not None]
        bylines = defaultdict(list)
        links = ArticleAuthor.objects.filter(article__in=[article.pk for article in articles])
        for link in links.select_related("author__photo"):  # in byline order (Meta)
            bylines[link.article_id].append(link.author)
        for article in articles:
            article.__dict__["ordered_authors"] = bylines[article.pk]  # the cached property
        return articles

    def latest_per_section(self, per_section=4, candidates=1000):
        """The newest ``per_section`` stories of each section, in menu order, in one query.

        Rows are numbered per section with a window function and the top ones kept. The window
        only looks at the ``candidates`` most recent stories (those published since the
        ``candidates``-th newest: an index range), so the cost stays flat however large the
        archive grows; a section with nothing among those has nothing new to show on the home
        page anyway. The range is a date rather than a list of keys so that the window reads
        what it numbers (key, section, date) from the "public" index alone: looked up by key,
        each candidate's section was read from the table, on SQLite past the story's body, and
        those thousand rows were 6 of the home page's 8 ms of SQL at 100,000 stories.
        Chain ``for_listing()`` after it.
        """
        newest = self.order_by("-published_at", "-pk").values("published_at")
        since = Coalesce(
            Subquery(newest[candidates - 1 : candidates]),  # none when there are fewer
            Value(datetime.datetime.min.replace(tzinfo=datetime.UTC)),
        )
        winners = (
            self.order_by()
            .filter(published_at__gte=since)
            .annotate(
                row=Window(
                    RowNumber(),
                    partition_by=[F("section_id")],
                    order_by=[F("published_at").desc(), F("pk").desc()],
                )
            )
            .filter(row__lte=per_section)
            .values("pk")
        )
        return self.model.objects.filter(pk__in=winners).order_by(
            "section__position", "section__name", "-published_at", "-pk"
        )

    def for_detail(self, bylines=True, parts=True):
        """What a story's page needs: its text (a list skips it; never the search vector), and,
        unless ``parts=False``, its tags and published corrections prefetched (for a single
        story, :meth:`with_parts` does it for less)."""
        text = self.for_listing(bylines).defer(None).defer("search_vector")
        if not parts:
            return text
        corrections = Correction.objects.filter(published_at__lte=timezone.now())
        return text.prefetch_related("tags", Prefetch("corrections", queryset=corrections))

    def with_parts(self, article):
        """``article`` with its tags and published corrections at hand, exactly as
        ``for_detail()``'s prefetch leaves them (``article.tags.all()``,
        ``article.corrections.all()`` ask nothing more), read with one plain query each: for
        one story Django's prefetch machinery cost more than the two queries (0.6 ms of the
        article page's 12)."""
        corrections = article.corrections.filter(published_at__lte=timezone.now())
        found = {"tags": article.tags.get_queryset(), "corrections": corrections}
        for rows in found.values():
            rows._fetch_all()
        article._prefetched_objects_cache = {
            **getattr(article, "_prefetched_objects_cache", {}),
            **found,
        }
        return article

    def search(self, q):
        """Articles matching what a reader typed, best match first (``search_rank``), on
        PostgreSQL or SQLite alike; any text is safe, and no searchable words find nothing.
        Chain it after ``published()``: search itself does not filter by status."""
        return fulltext.search(self, q)

    def update_search_index(self):
        """Re-index these articles' text; ``save()`` does it for one, bulk inserts call it."""
        return fulltext.update_index(self)

    def related_to(self, article, limit=4, candidates=1000, bylines=True):
        """Stories sharing the most tags with ``article``, then the latest in its section, in
        one query (and one for their bylines) however many tags, stories and authors there are.

        Only the ``candidates`` most recent stories are looked at (weeks of a busy newsroom's
        work, years of a small one's), so the page costs the same on a large archive as on a
        small one: a popular tag no longer makes every article page count thousands of rows.
        They are ranked from indexes alone: their keys and dates from the public stories'
        index (a derived table, so no story row is read), the shared tags from the tag table's
        (story, tag) key; only the ``limit`` winners' rows are read. (Ranked on the stories'
        rows, each candidate's row was read, on SQLite past its body: 17 ms at 100,000
        stories with 2,000 candidates; 3 ms now with 1,000, as at 1,000 stories.)
        """
        from .tag import TaggedArticle

        quote = connections[self.db].ops.quote_name
        tag_ids = [tag.pk for tag in article.tags.all()]
        # The public stories once, compiled without an order (Django may write it as column
        # numbers): each use below writes its own order and limit, newest first, as the public
        # stories' index and the section's read.
        public_sql, public_params = (
            self.published()
            .exclude(pk=article.pk)
            .order_by()
            .values(rid=F("pk"), rpub=F("published_at"), rsec=F("section_id"))
            .query.sql_with_params()
        )
        recent = f"SELECT rid, rpub FROM ({public_sql}) p ORDER BY rpub DESC, rid DESC LIMIT %s"
        # Of the section's stories only its newest ``limit`` can make the list (any other
        # sharing no tag ranks below them), so only those are looked at.
        near = (
            f"r.rid IN (SELECT rid FROM ({public_sql}) s WHERE rsec = %s "
            "ORDER BY rpub DESC, rid DESC LIMIT %s)"
        )
        recent_params = [*public_params, candidates]
        near_params = [*public_params, article.section_id, limit]
        shared = ""  # no tags: none shared
        if tag_ids:
            table = quote(TaggedArticle._meta.db_table)
            marks = ", ".join(["%s"] * len(tag_ids))
            # Probed per candidate on the (story, tag) key: an IN over every story with the
            # tag listed thousands of them first on a large archive.
            tagged = (
                f"SELECT 1 FROM {table} g WHERE g.content_object_id = r.rid "
                f"AND g.tag_id IN ({marks})"
            )
            near = f"({near} OR EXISTS ({tagged}))"
            near_params = [*near_params, *tag_ids]
            shared = (
                f"(SELECT COUNT(*) FROM {table} t "
                "WHERE t.tag_id IN ({marks}) AND t.content_object_id = {story})"
            ).replace("{marks}", marks)
        by_shared = f"{shared.format(story='r.rid')} DESC, " if shared else ""
        winners = RawSQL(
            f"SELECT r.rid FROM ({recent}) r WHERE {near} "
            f"ORDER BY {by_shared}r.rpub DESC, r.rid DESC LIMIT %s",
            [*recent_params, *near_params, *tag_ids, limit],
        )
        # The winners again in their order, their shared tags counted once more for these few
        # rows (written out: the ORM's subquery and aggregate cost more to build than to run).
        count = models.Value(0)
        if shared:
            story = f"{quote(self.model._meta.db_table)}.{quote('id')}"
            count = RawSQL(shared.format(story=story), tag_ids, output_field=models.IntegerField())
        return list(
            self.model.objects.filter(pk__in=winners)
            .annotate(shared_tags=count)
            .order_by("-shared_tags", "-published_at", "-pk")
            .for_listing(bylines)
        )


def byline_prefetch():
    return Prefetch(
        "authors",
        queryset=Author.objects.select_related("photo").order_by("articleauthor__position"),
    )


def render_body(body):
    """Editor HTML to what readers get: sanitized, then library pictures made responsive."""
    from ..rendering import render_inline_images

    return render_inline_images(clean_html(body))


class SearchVectorIndex(GinIndex):
    """GIN on PostgreSQL. SQLite searches its FTS5 table instead and gets a plain index on the
    (always empty) column, so the same migrations run, and SQLite can rebuild the table, on both."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        return models.Index.create_sql(self, model, schema_editor, **kwargs)


class Article(Editing, Workflow, models.Model):
    Status = Status

    # The statuses whose articles readers may see once their publication time has come.
    PUBLIC_STATUSES = (Status.PUBLISHED,)

    headline = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200, unique=True, allow_unicode=True, help_text="The last part of the address."
    )
    standfirst = models.TextField(
        blank=True,
        max_length=600,
        help_text="The summary under the headline, one or two sentences.",
    )
    body = ProseEditorField(
        blank=True,
        config={
            "extensions": {
                "Bold": True,
                "Italic": True,
                "Strike": True,
                "Subscript": True,
                "Superscript": True,
                "Heading": {"levels": [2, 3, 4]},
                "BulletList": True,
                "OrderedList": True,
                "ListItem": True,
                "HardBreak": True,
                "Blockquote": True,
                "HorizontalRule": True,
                "Link": {"enableTarget": True},
                "Figure": True,
                "Caption": True,
                "Image": True,
                "History": True,
                "HTML": True,
            }
        },
        help_text="Sub-headings, lists, quotes, links and images from the image library.",
    )
    body_html = models.TextField(blank=True, editable=False)
    lead_image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="lead_for"
    )
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    authors = models.ManyToManyField(Author, through="ArticleAuthor", related_name="articles")
    tags = TaggableManager(blank=True, through="articles.TaggedArticle")
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it went public, or, for a scheduled story, when it goes live.",
    )
    expires_at = models.DateTimeField(
        "unpublish at",
        null=True,
        blank=True,
        help_text="Optional: the story unpublishes itself at this time (an embargoed report, an "
        "offer that ends). Leave empty to keep it up.",
    )
    planned_on = models.DateField(
        "planned for",
        null=True,
        blank=True,
        help_text="Optional: the day this story is planned for, shown on the editorial calendar. "
        "It publishes nothing by itself.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_featured = models.BooleanField(
        "featured",
        default=False,
        help_text="Featured stories fill the home page's “Featured” row, newest first; the newest "
        "one leads the home page unless a story is pinned as lead.",
    )
    is_pinned_lead = models.BooleanField(
        "pin as the home page's lead",
        default=False,
        help_text="Leads the home page, above the featured row, while it is public and until the "
        "time below. Pinning a story unpins the one pinned before.",
    )
    lead_until = models.DateTimeField(
        "lead until",
        null=True,
        blank=True,
        help_text="Optional: when the pin ends. Leave empty to keep it until another story is "
        "pinned.",
    )
    seo_title = models.CharField("SEO title", max_length=70, blank=True)
    seo_description = models.CharField("SEO description", max_length=160, blank=True)
    comments_open = models.BooleanField(default=True)
    search_vector = SearchVectorField(null=True, editable=False)
    version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="How many times it was saved: each save is one version, kept as a revision "
        "(0: saved before revisions were kept, or never edited since it was made in code).",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            # Every column of "public" (Article.public_filter), so counting or listing the
            # newest public stories reads the index alone: without expires_at in it, each row
            # was read from the table (on SQLite past its body), 250 ms to count 100,000. The
            # section too, for the home page's newest per section (``latest_per_section``).
            models.Index(
                fields=["status", "published_at", "expires_at", "section"], name="article_public"
            ),
            models.Index(
                fields=["section", "status", "published_at"], name="article_section_published"
            ),
            models.Index(fields=["is_featured", "published_at"], name="article_featured"),
            models.Index(fields=["planned_on"], name="article_planned_on"),
            # The sitemaps' "last changed": the newest edit of a public story is the first
            # entry of this index walked backwards, read from the index alone.
            models.Index(
                fields=["status", "updated_at", "published_at", "expires_at"],
                name="article_updated",
            ),
            # The home page asks for the pinned lead on every build: without this index that is
            # a walk through the whole archive when nothing is pinned.
            models.Index(fields=["is_pinned_lead", "published_at"], name="article_pinned_lead"),
            SearchVectorIndex(fields=["search_vector"], name="article_search_vector"),
        ]
        permissions = [("publish_article", "Can publish articles")]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        if not self._state.adding and getattr(self, "_edit", None) is None:
            # Code that saves an existing article without saying who: still one version, one
            # revision, and refused if the row changed since this instance was loaded.
            with self.editing(note="Saved by code"):
                return self.save(*args, **kwargs)
        if not self.slug:
            self.slug = unique_slug(
                self, self.headline, fallback="article", reserved=self.slug_redirects_elsewhere
            )
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()  # a row made in code as published
        self.body_html = render_body(self.body)
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or {"headline", "standfirst", "body"} & set(update_fields):
            Article.objects.filter(pk=self.pk).update_search_index()

    def get_absolute_url(self):
        return reverse_path("articles:detail", slug=self.slug)

    def validate_unique(self, exclude=None):
        super().validate_unique(exclude)
        checks_slug = self.slug and (exclude is None or "slug" not in exclude)
        if checks_slug and self.slug_redirects_elsewhere(self.slug):
            raise ValidationError(
                {
                    "slug": "This address still redirects to another article's new "
                    "address, so readers' old links keep working. Choose another slug."
                }
            )

    def clean(self):
        if self.expires_at and self.published_at and self.expires_at <= self.published_at:
            raise ValidationError(
                {
                    "expires_at": "The story would unpublish before it goes public: choose "
                    "a later time."
                }
            )

    def slug_redirects_elsewhere(self, slug):
        """Whether the address ``slug`` would make is another article's old address."""
        path = reverse("articles:detail", kwargs={"slug": slug})
        return Redirect.objects.taken_by_others(path, self).exists()

    def pin_as_lead(self, until=None):
        """Lead the home page (until ``until``); the story pinned before is unpinned."""
        with self.editing(note="Pinned as the home page's lead", based_on=self.LATEST):
            self.is_pinned_lead, self.lead_until = True, until
            Article.objects.filter(pk=self.pk).update(is_pinned_lead=True, lead_until=until)
        before = list(Article.objects.filter(is_pinned_lead=True).exclude(pk=self.pk))
        for article in before:
            article.unpin("Unpinned: another story leads the home page")
        for article in [self, *before]:
            page_cache.purge_article(article)

    def unpin(self, note):
        """No longer the home page's lead (one version more; the caller purges its pages)."""
        with self.editing(note=note, based_on=self.LATEST):
            Article.objects.filter(pk=self.pk).update(is_pinned_lead=False)
            self.is_pinned_lead = False

    def get_preview_url(self):
        return reverse("articles:preview", kwargs={"pk": self.pk})

    @classmethod
    def public_filter(cls, prefix="", now=None):
        """What makes an article public, as a filter: a public status, a publication time that
        has come, and no expiry time that has passed (the sweep then unpublishes it; until it
        runs the story is already hidden). Scheduled stories are not public: the go-live task or
        the sweep publishes them. The one definition: ``published()``, ``is_public`` and every
        query over related rows (``Article.public_filter("article__")``) are built on it."""
        now = now or timezone.now()
        return models.Q(
            **{f"{prefix}status__in": cls.PUBLIC_STATUSES, f"{prefix}published_at__lte": now}
        ) & (
            models.Q(**{f"{prefix}expires_at__isnull": True})
            | models.Q(**{f"{prefix}expires_at__gt": now})
        )

    @property
    def is_public(self):
        """``public_filter`` for this one row, without a query."""
        now = timezone.now()
        return (
            self.status in self.PUBLIC_STATUSES
            and self.published_at is not None
            and self.published_at <= now
            and (self.expires_at is None or self.expires_at > now)
        )

    @property
    def was_updated(self):
        """True when the article changed meaningfully after it went out (more than an hour)."""
        return bool(
            self.published_at and (self.updated_at - self.published_at).total_seconds() > 3600
        )

    @property
    def modified_at(self):
        """When readers last saw the story change: its publication, a later edit, or a
        correction (``for_detail()`` prefetches the published ones). Feeds' updated date,
        sitemaps' ``lastmod`` and the structured data's ``dateModified``."""
        times = [t for t in (self.published_at, self.updated_at) if t is not None]
        times += [correction.published_at for correction in self.corrections.all()]
        return max(times, default=None)

    @property
    def title_for_seo(self):
        return self.seo_title or self.headline

    @property
    def description_for_seo(self):
        return self.seo_description or Truncator(
            self.standfirst or strip_tags(self.body_html)
        ).chars(160)

    @cached_property
    def ordered_authors(self):
        return list(self.authors.all())


class ArticleAuthor(models.Model):
    """An author's place in an article's byline."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="unique_article_author"),
        ]

    def __str__(self):
        return f"{self.author} on {self.article}"
