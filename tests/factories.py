"""Build valid objects with the fewest words: published by default, override what you assert."""

import io
import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image as PILImage

from articles.models import Article, ArticleAuthor, Author, Image, Section

_seq = itertools.count(1)


def restart_numbering():
    """Number objects from 1 again (each test starts so: tests/conftest.py)."""
    global _seq
    _seq = itertools.count(1)


def jpeg_bytes(width=1200, height=800, color=(180, 40, 40), fmt="JPEG", **save_kwargs):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(buffer, fmt, **save_kwargs)
    return buffer.getvalue()


def upload(name="photo.jpg", content=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content if content is not None else jpeg_bytes(), content_type)


def image(renditions=True, **kwargs):
    n = next(_seq)
    kwargs.setdefault("alt_text", f"A test picture {n}")
    kwargs.setdefault("caption", f"Caption {n}")
    kwargs.setdefault("credit", "Newsroom Photo Desk")
    width, height = kwargs.pop("size", (800, 500))
    kwargs.setdefault("file", upload(content=jpeg_bytes(width, height)))
    obj = Image.objects.create(**kwargs)
    if renditions:
        obj.make_renditions()  # what the background task does after an upload
    return obj


def section(**kwargs):
    n = next(_seq)
    kwargs.setdefault("name", f"Section {n}")
    kwargs.setdefault("slug", f"section-{n}")
    return Section.objects.create(**kwargs)


def author(**kwargs):
    n = next(_seq)
    kwargs.setdefault("name", f"Author {n}")
    kwargs.setdefault("slug", f"author-{n}")
    kwargs.setdefault("bio", f"Author {n} writes about things.")
    return Author.objects.create(**kwargs)


def article(authors=None, tags=(), **kwargs):
    n = next(_seq)
    kwargs.setdefault("headline", f"Headline number {n}")
    kwargs.setdefault("slug", f"headline-{n}")
    kwargs.setdefault("standfirst", "What happened, in a sentence.")
    kwargs.setdefault("body", "<h2>Background</h2><p>Paragraph one.</p><p>Paragraph two.</p>")
    kwargs.setdefault("status", Article.Status.PUBLISHED)
    if kwargs["status"] == Article.Status.PUBLISHED:
        kwargs.setdefault("published_at", timezone.now() - timedelta(hours=n % 50 + 1))
    if "section" not in kwargs:
        kwargs["section"] = Section.objects.first() or section()
    obj = Article.objects.create(**kwargs)
    for position, person in enumerate(authors if authors is not None else [author()]):
        ArticleAuthor.objects.create(article=obj, author=person, position=position)
    if tags:
        obj.tags.add(*tags)
    return obj


def user(groups=(), **kwargs):
    from django.contrib.auth.models import Group

    n = next(_seq)
    kwargs.setdefault("username", f"user{n}")
    kwargs.setdefault("password", "correct horse battery staple")
    obj = get_user_model().objects.create_user(**kwargs)
    for name in groups:
        obj.groups.add(Group.objects.get(name=name))
    return obj


# Articles helper --------------------------------------------------------------------------------


def staff(groups=(), **kwargs):
    """A staff user (admin login) in the given groups, e.g. ``make.staff(["Editors"])``."""
    kwargs.setdefault("is_staff", True)
    return user(groups=groups, **kwargs)


def jpeg_with_exif(width=300, height=200, orientation=6, gps=True):
    """A JPEG whose EXIF says "rotate" and, optionally, where it was taken."""
    picture = PILImage.new("RGB", (width, height), (30, 90, 160))
    picture.paste((250, 250, 0), (0, 0, width // 3, height // 3))  # a marked corner
    exif = PILImage.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "Camera maker"
    if gps:
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd.update({1: "N", 2: (51.0, 30.0, 12.0), 3: "W", 4: (0.0, 7.0, 39.0)})
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_header_only(width, height):
    """A PNG that claims ``width`` × ``height`` pixels but holds almost no data: a pixel bomb's
    calling card, cheap to build (decoding it is what would hurt)."""
    import struct
    import zlib

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


# Comments ---------------------------------------------------------------------------------------


_article = article


def comment(article=None, **kwargs):
    """An approved comment by default; pass ``status="pending"`` for one in the queue."""
    from comments.models import Comment

    n = next(_seq)
    kwargs.setdefault("name", f"Reader {n}")
    kwargs.setdefault("email", f"reader{n}@example.com")
    kwargs.setdefault("body", f"Comment number {n}: well said.")
    kwargs.setdefault("status", Comment.Status.APPROVED)
    kwargs.setdefault("ip_address", "192.0.2.10")
    if kwargs["status"] == Comment.Status.APPROVED:
        kwargs.setdefault("approved_at", timezone.now())
    obj = Comment(article=article if article is not None else _article(), **kwargs)
    obj.save()
    return obj


def confirmed_address(email):
    """An address whose owner confirmed they want reply notifications."""
    from comments.models import NotificationAddress

    return NotificationAddress.objects.create(email=email, confirmed_at=timezone.now())


def comment_form_data(seconds_ago=10, **overrides):
    """What a reader's browser posts: a valid form, shown ``seconds_ago`` seconds earlier."""
    import time

    from comments.moderation import sign_timestamp

    n = next(_seq)
    data = {
        "name": f"Reader {n}",
        "email": f"reader{n}@example.com",
        "website": "",
        "body": f"A thoughtful comment, number {n}.",
        "timestamp": sign_timestamp(time.time() - seconds_ago),
        "honeypot": "",
    }
    data.update(overrides)
    return data


# Newsletter ------------------------------------------------------------------------------------


def subscriber(**kwargs):
    from newsletter.models import Subscriber

    n = next(_seq)
    kwargs.setdefault("email", f"reader{n}@example.com")
    kwargs.setdefault("status", Subscriber.Status.CONFIRMED)
    if kwargs["status"] == Subscriber.Status.CONFIRMED:
        kwargs.setdefault("confirmed_at", timezone.now())
    kwargs.setdefault("consent_at", timezone.now())
    kwargs.setdefault("consent_source", "/")
    kwargs.setdefault("consent_text", "Subscribe to get our best stories.")
    return Subscriber.objects.create(**kwargs)


def subscribers(count, prefix="bulk", **kwargs):
    """Many confirmed subscribers in one query: ``prefix0@example.com`` and up."""
    from newsletter.models import Subscriber

    kwargs.setdefault("status", Subscriber.Status.CONFIRMED)
    return Subscriber.objects.bulk_create(
        Subscriber(email=f"{prefix}{i}@example.com", **kwargs) for i in range(count)
    )


def issue(articles=None, **kwargs):
    from newsletter.models import Issue, IssueArticle

    n = next(_seq)
    kwargs.setdefault("subject", f"Issue number {n}")
    kwargs.setdefault("intro", "This week's best stories.")
    obj = Issue.objects.create(**kwargs)
    for position, story in enumerate(articles if articles is not None else [article()]):
        IssueArticle.objects.create(issue=obj, article=story, position=position)
    return obj


# Corrections -----------------------------------------------------------------------------------


def correction(article=None, **kwargs):
    from articles.models import Correction

    n = next(_seq)
    kwargs.setdefault("text", f"Correction number {n}: an earlier version got a date wrong.")
    return Correction.objects.create(
        article=article if article is not None else _article(), **kwargs
    )
