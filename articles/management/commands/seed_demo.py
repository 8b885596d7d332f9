"""Fill the site with realistic demo content: sections, authors, pictures, tags and articles.

Everything is generated here (Pillow draws the pictures, word lists make the headlines), so it
needs no network and no fixtures. It is idempotent: sections, authors, tags and pictures are found
again by their slugs or captions, and article *i* always gets the same slug, so a second run only
adds what is missing. Large runs (``--articles 100000``, how benchmarks get a big site) insert in
batches with ``bulk_create``; bodies come from a small pool sanitized once each.
"""

import io
import random
import sys
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from tqdm import tqdm

from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Correction,
    FollowLink,
    Image,
    Section,
    SiteSettings,
    Tag,
    TaggedArticle,
)
from articles.models.article import render_body

DEMO_CREDIT = "Newsroom demo desk"
BATCH_SIZE = 1000
BODY_VARIANTS = 40
NOT_OUT_YET = (Article.Status.DRAFT, Article.Status.IN_REVIEW, Article.Status.SCHEDULED)

SECTIONS = [
    ("News", "The day's main stories from home and abroad."),
    ("Politics", "Parliament, councils and the people who run them."),
    ("Business", "Companies, markets, jobs and the cost of living."),
    ("Technology", "Software, hardware and the people who make them."),
    ("Science", "Research, discoveries and what they mean."),
    ("Culture", "Books, film, music, theatre and art."),
    ("Sport", "Results, reports and the stories behind the games."),
    ("Opinion", "Columns, analysis and letters from readers."),
]

AUTHORS = [
    ("Amara Okafor", "covers city hall and transport", "Lagos"),
    ("Daniel Reyes", "writes about business and the economy", "Valencia"),
    ("Hannah Lindqvist", "is the science correspondent", "Uppsala"),
    ("Kenji Watanabe", "reports on technology and privacy", "Osaka"),
    ("Sofia Marchetti", "is the culture editor", "Bologna"),
    ("Tom Gallagher", "is chief sports writer", "Cork"),
    ("Priya Raman", "covers health and social care", "Chennai"),
    ("Lukas Brandt", "is the political editor", "Leipzig"),
    ("Fatima Haddad", "writes about climate and energy", "Tunis"),
    ("Oliver Bennett", "edits the opinion pages", "York"),
]

TAGS = [
    "Climate", "Housing", "Transport", "Elections", "Budget", "Health", "Education",
    "Artificial intelligence", "Privacy", "Energy", "Football", "Cycling", "Film", "Books",
    "Music", "Space", "Oceans", "Jobs", "Inflation", "Local government", "Courts", "Farming",
    "Water", "Tourism", "Startups", "Museums", "Rail", "Schools", "Wildlife", "Weather",
]  # fmt: skip

SUBJECTS = [
    "Council", "Ministers", "Scientists", "Regulators", "Residents", "Researchers", "Farmers",
    "Teachers", "City planners", "Engineers", "Voters", "Investors", "Doctors", "Museum curators",
    "Rail operators", "Fishermen", "Students", "Start-up founders", "Coaches", "Volunteers",
]  # fmt: skip
VERBS = [
    "approve", "reject", "unveil", "question", "delay", "back", "challenge", "celebrate",
    "warn over", "push for", "rethink", "launch", "defend", "review", "vote on",
]  # fmt: skip
OBJECTS = [
    "new cycle lanes", "the harbour bridge plan", "a four-day week", "cheaper bus fares",
    "the river clean-up", "a ban on disposable vapes", "the solar farm", "late-night trains",
    "the library extension", "school meal funding", "a tax on empty homes", "the stadium move",
    "rewilding the moors", "faster broadband", "the heat pump grant", "the city's first AI lab",
    "a new maternity unit", "the museum's lost paintings", "flood defences", "rent controls",
]  # fmt: skip
QUALIFIERS = [
    "after months of debate", "as costs rise", "despite protests", "in a surprise move",
    "ahead of winter", "after a close vote", "amid safety concerns", "as demand soars",
    "following a public inquiry", "for the first time in a decade", "", "",
]  # fmt: skip
SUBHEADINGS = [
    "What happens next", "How we got here", "The numbers", "What people are saying",
    "Why it matters", "The background", "What critics say", "A closer look",
]  # fmt: skip
SENTENCES = [
    "The decision was taken late on Tuesday after a long and at times heated meeting.",
    "Officials said the change would be phased in over the next eighteen months.",
    "Critics argue that the plan does too little, too late, and will cost more than promised.",
    "Supporters say it is the most important step the city has taken in a generation.",
    "Independent analysts have cautioned that the figures rest on optimistic assumptions.",
    "Local businesses were divided, with some welcoming the move and others fearing disruption.",
    "A consultation drew more than four thousand responses, a record for the authority.",
    "The scheme is modelled on a similar project that has run for five years in Utrecht.",
    "Campaigners vowed to keep up the pressure until the promises were written into law.",
    "Residents who spoke to us described a mix of relief, frustration and cautious hope.",
    "The full report, published on Wednesday, runs to more than two hundred pages.",
    "Funding will come partly from central government and partly from local reserves.",
    "It is not the first time the idea has been proposed; a similar plan failed in 2019.",
    "Opposition members said they would seek a review of the decision at the next session.",
    "Early results from a pilot suggest the approach works better than expected.",
]  # fmt: skip
CORRECTIONS = [
    "An earlier version of this article gave the wrong date for the council vote. It was held "
    "on Tuesday, not Monday.",
    "We misspelled the name of the consultation's chair. It is Ines Carvalho, not Inez Carvalho.",
]
PALETTES = [
    ((20, 60, 110), (120, 190, 230)),
    ((120, 30, 40), (240, 150, 90)),
    ((20, 90, 60), (170, 220, 140)),
    ((60, 40, 110), (200, 160, 230)),
    ((30, 30, 30), (150, 150, 150)),
    ((140, 90, 10), (250, 220, 120)),
    ((10, 100, 110), (140, 230, 220)),
]


def _font(size):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: a fixed bitmap font
        return ImageFont.load_default()


def draw_picture(rng, width, height, label):
    """A gradient with a few shapes and a label, as JPEG bytes."""
    top, bottom = rng.choice(PALETTES)
    gradient = PILImage.linear_gradient("L").resize((width, height))
    picture = PILImage.composite(
        PILImage.new("RGB", (width, height), bottom),
        PILImage.new("RGB", (width, height), top),
        gradient,
    )
    draw = ImageDraw.Draw(picture, "RGBA")
    for _ in range(6):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(height // 10, height // 3)
        colour = (*rng.choice(PALETTES)[rng.randrange(2)], 110)
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=colour)
    font = _font(max(18, height // 12))
    draw.text((width // 20, height - height // 5), label, fill=(255, 255, 255, 235), font=font)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


class Command(BaseCommand):
    help = (
        "Create realistic demo content (sections, authors with photos, tags, pictures and "
        "articles). Safe to run again: only what is missing is added."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--articles", type=int, default=60, help="How many demo articles (default 60)."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the site already has articles (make run uses this).",
        )
        parser.add_argument(
            "--images", type=int, default=20, help="Size of the picture pool (default 20)."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")

    def handle(self, *args, articles, if_empty, images, seed, **options):
        if articles < 0 or images < 1:
            raise CommandError("--articles must be 0 or more and --images at least 1.")
        if if_empty and Article.objects.exists():
            self.stdout.write("The site already has articles; no demo content added.")
            return
        rng = random.Random(seed)
        sections = self.make_sections()
        pool = self.make_images(rng, images)
        authors = self.make_authors(rng)
        tags = self.make_tags()
        self.make_follow_links()
        created = self.make_articles(seed, articles, sections, authors, tags, pool)
        self.make_corrections()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo content ready: {len(sections)} sections, {len(authors)} authors, "
                f"{len(pool)} pictures, {len(tags)} tags, {created} new articles "
                f"({Article.objects.count()} in all)."
            )
        )

    # The small things, found again by slug or caption --------------------------------------

    def make_sections(self):
        sections = []
        for position, (name, description) in enumerate(SECTIONS):
            section, _ = Section.objects.get_or_create(
                slug=slugify(name),
                defaults={"name": name, "description": description, "position": position},
            )
            sections.append(section)
        return sections

    def make_images(self, rng, count):
        existing = list(Image.objects.filter(credit=DEMO_CREDIT, caption__startswith="Demo "))
        by_caption = {image.caption: image for image in existing}
        pool = []
        for n in range(1, count + 1):
            caption = f"Demo picture {n}: {rng.choice(OBJECTS)}"
            key = next((c for c in by_caption if c.startswith(f"Demo picture {n}:")), None)
            if key:
                pool.append(by_caption[key])
                continue
            content = draw_picture(rng, 1280, 720, f"Newsroom demo · {n}")
            image = Image.objects.create(
                file=ContentFile(content, name=f"demo-{n}.jpg"),
                alt_text=f"An abstract illustration in bold colours, demo picture {n}",
                caption=caption,
                credit=DEMO_CREDIT,
                credit_url="https://example.org/demo-desk",
            )
            image.make_renditions()  # here and now: the demo's pages should be complete
            pool.append(image)
        return pool

    def make_authors(self, rng):
        authors = []
        for name, beat, town in AUTHORS:
            slug = slugify(name)
            author = Author.objects.filter(slug=slug).first()
            if author is None:
                photo = Image.objects.create(
                    file=ContentFile(draw_picture(rng, 400, 400, name), name=f"{slug}.jpg"),
                    alt_text=f"Portrait of {name}",
                    caption=f"Author photo: {name}",
                    credit=DEMO_CREDIT,
                )
                photo.make_renditions()
                author = Author.objects.create(
                    name=name,
                    slug=slug,
                    bio=f"{name} {beat}. Before joining Newsroom they reported from {town}.",
                    photo=photo,
                    links=f"https://example.org/{slug}\nhttps://mastodon.example/@{slug}",
                )
            authors.append(author)
        return authors

    def make_tags(self):
        tags = []
        for name in TAGS:
            tag, _ = Tag.objects.get_or_create(slug=slugify(name), defaults={"name": name})
            tags.append(tag)
        return tags

    def make_follow_links(self):
        site, _ = SiteSettings.objects.get_or_create(pk=1)
        for position, (label, url) in enumerate(
            [("Mastodon", "https://mastodon.example/@newsroom"), ("Bluesky", "https://bsky.app")]
        ):
            FollowLink.objects.get_or_create(
                settings=site, label=label, defaults={"url": url, "position": position}
            )

    def make_corrections(self):
        """Two corrections on the newest published stories, as an editor would add them."""
        if Correction.objects.filter(text__in=CORRECTIONS).exists():
            return  # seeded before: a second run adds nothing
        stories = list(Article.objects.published().order_by("-published_at", "-pk")[:4])
        for article, text in zip(stories[1::2], CORRECTIONS, strict=False):
            Correction.objects.create(article=article, text=text)

    # Articles, in batches --------------------------------------------------------------------

    def make_bodies(self, rng, pool):
        """A small pool of bodies, each sanitized and rendered once (bleach is the slow part)."""
        bodies = []
        for _ in range(BODY_VARIANTS):
            parts = []
            for index, heading in enumerate(rng.sample(SUBHEADINGS, 3)):
                parts.append(f"<p>{' '.join(rng.sample(SENTENCES, 4))}</p>")
                parts.append(f"<h2>{heading}</h2>")
                parts.append(f"<p>{' '.join(rng.sample(SENTENCES, 3))}</p>")
                if index == 0:
                    image = rng.choice(pool)
                    parts.append(
                        f'<figure><img src="{image.file.url}" alt="{image.alt_text}">'
                        f"<figcaption>{image.caption}</figcaption></figure>"
                    )
                if index == 1:
                    parts.append(f"<blockquote><p>{rng.choice(SENTENCES)}</p></blockquote>")
            parts.append(
                '<p>Read more on <a href="https://example.org/background">the background</a>.</p>'
            )
            body = "\n".join(parts)
            bodies.append((body, render_body(body)))
        return bodies

    def headline(self, rng):
        words = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS)]
        qualifier = rng.choice(QUALIFIERS)
        return " ".join(words + ([qualifier] if qualifier else []))

    def make_articles(self, seed, count, sections, authors, tags, pool):
        """Article *i* is drawn from its own seeded generator, so it is the same on every run."""
        if count == 0:
            return 0
        bodies = self.make_bodies(random.Random(seed), pool)
        now = timezone.now()
        created = 0
        # The command's own error stream (what call_command(stderr=...) was given), unwrapped:
        # OutputWrapper would end each of tqdm's carriage-return redraws with a new line.
        stream = getattr(self.stderr, "_out", sys.stderr)
        progress = tqdm(total=count, desc="Articles", unit="article", file=stream)
        for start in range(0, count, BATCH_SIZE):
            planned = []
            for i in range(start, min(start + BATCH_SIZE, count)):
                item = random.Random(f"{seed}-{i}")
                headline = self.headline(item)
                planned.append((i, headline, f"{slugify(headline)[:180]}-{i + 1}", item))
            existing = set(
                Article.objects.filter(slug__in=[slug for _, _, slug, _ in planned]).values_list(
                    "slug", flat=True
                )
            )
            batch, extras = [], []
            for i, headline, slug, item in planned:
                if slug in existing:
                    continue
                body, body_html = item.choice(bodies)
                # One story in 15 is not out yet: a draft or one in review, planned for a day in
                # the next fortnight, or one scheduled for the coming week (the editorial
                # calendar's demo; the sweep publishes those when their time comes).
                status = Article.Status.PUBLISHED
                published_at = now - timedelta(minutes=item.randrange(5, 60 * 24 * 42))
                planned_on = None
                if i % 15 == 14:
                    status = NOT_OUT_YET[(i // 15) % len(NOT_OUT_YET)]
                    if status == Article.Status.SCHEDULED:
                        published_at = now + timedelta(minutes=item.randrange(60, 60 * 24 * 7))
                    else:
                        published_at = None
                        planned_on = (now + timedelta(days=item.randrange(0, 14))).date()
                batch.append(
                    Article(
                        headline=headline,
                        slug=slug,
                        standfirst=" ".join(item.sample(SENTENCES, 2)),
                        body=body,
                        body_html=body_html,
                        lead_image=item.choice(pool),
                        section=sections[i % len(sections)],
                        status=status,
                        published_at=published_at,
                        planned_on=planned_on,
                        is_featured=i % 9 == 0,
                        comments_open=i % 7 != 0,
                    )
                )
                extras.append(
                    (item.sample(authors, 1 + (i % 5 == 0)), item.sample(tags, item.randint(1, 4)))
                )
            with transaction.atomic():
                Article.objects.bulk_create(batch)
                ArticleAuthor.objects.bulk_create(
                    ArticleAuthor(article=article, author=author, position=position)
                    for article, (bylines, _) in zip(batch, extras, strict=True)
                    for position, author in enumerate(bylines)
                )
                TaggedArticle.objects.bulk_create(
                    TaggedArticle(content_object=article, tag=tag)
                    for article, (_, article_tags) in zip(batch, extras, strict=True)
                    for tag in article_tags
                )
                # auto_now stamped "now" on every row; demo stories were last touched when
                # they went out, so the byline doesn't claim they were all updated today.
                Article.objects.filter(
                    pk__in=[a.pk for a in batch], status=Article.Status.PUBLISHED
                ).update(updated_at=F("published_at"))
                # bulk_create skips save(), which is what keeps search up to date.
                Article.objects.filter(pk__in=[a.pk for a in batch]).update_search_index()
            created += len(batch)
            progress.update(len(planned))
            reset_queries()  # with DEBUG on, Django would keep every batch's SQL in memory
        progress.close()
        return created
