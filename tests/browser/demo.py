"""Demo content for the browser checks and screenshots, built with the factories.

A front page that looks like a working news site: several sections, a featured lead story with a
lead image, stories with inline pictures and credits, authors with photos and links, tags, an
advertisement and "follow us" links. Pictures are soft gradients made with Pillow, so nothing is
downloaded and every run looks the same.
"""

import io
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from PIL import Image as PILImage

from articles.models import Article, FollowLink, SiteSettings
from tests import factories

PALETTE = [
    ((32, 58, 92), (196, 120, 80)),
    ((20, 90, 80), (230, 200, 120)),
    ((90, 30, 50), (240, 160, 110)),
    ((40, 40, 60), (120, 170, 210)),
    ((60, 80, 30), (220, 210, 150)),
    ((100, 60, 20), (250, 220, 180)),
]

STORIES = [
    # section, headline, standfirst, featured
    (
        "World",
        "Harbour bridge reopens after two years of repairs",
        "Commuters return to the crossing as engineers declare the 1930s steel span safe for "
        "another century of traffic.",
        True,
    ),
    (
        "Politics",
        "Council approves a budget that protects libraries and bus routes",
        "After a late-night session, councillors agreed to raise parking fees instead of closing "
        "branches.",
        True,
    ),
    (
        "Business",
        "Small bakeries band together to buy flour direct from local mills",
        "A cooperative of twelve shops says it has cut costs by a fifth.",
        True,
    ),
    (
        "Culture",
        "The city orchestra plays its first concert in the restored hall",
        "Acoustic panels hidden in the ceiling give the 1890s hall a sound critics call "
        "astonishing.",
        False,
    ),
    (
        "World",
        "Fishing fleets agree to share data on shrinking cod stocks",
        "Scientists welcome the deal but say quotas must follow.",
        False,
    ),
    (
        "Politics",
        "New rules require plain-language letters from every public office",
        "Officials have a year to rewrite forms that residents call baffling.",
        False,
    ),
    (
        "Business",
        "Port expansion promises 400 jobs, but neighbours fear the noise",
        "A public hearing next month will decide the night-time schedule.",
        False,
    ),
    (
        "Culture",
        "A forgotten novelist's letters surface in a junk shop",
        "The bundle of 200 letters reveals a friendship with a famous poet.",
        False,
    ),
    (
        "Sport",
        "Rowing club wins the regatta for the first time in forty years",
        "The crew trained at dawn on the river all winter.",
        False,
    ),
    (
        "Sport",
        "Marathon route changes to avoid the bridge works",
        "Runners will cross the old town twice.",
        False,
    ),
]
# Shorter items without a picture, as most sections have: they fill the lists beside the lead.
BRIEFS = [
    ("World", "Ferry timetable returns to summer frequency"),
    ("Politics", "Mayor answers residents' questions in a live session on Thursday"),
    ("Business", "Market hall traders vote to open on Sundays"),
    ("Culture", "Library extends opening hours during the exam season"),
]

BODY = """
<p>The crossing reopened at six in the morning, and by seven the first buses were rolling over
the freshly painted deck. "It feels like getting a part of the city back," said one driver, who
has taken the long way round for two years.</p>
<p>Engineers replaced more than 4,000 rivets and the whole of the road surface. The work ran six
months late, mostly because of a shortage of the special steel the 1930s design requires, and
came in just under its revised budget.</p>
<h2>What changed</h2>
<p>The footpaths are wider, there is a protected cycle lane in each direction and the lighting
has been replaced with fittings that point down at the deck rather than up at the sky.</p>
{figure}
<p>Traffic planners expect the number of cars to return to its old level within a month. The
council says it will count cyclists and pedestrians separately for the first time, to see whether
the new lanes change how people travel.</p>
<blockquote><p>We built it to last another hundred years, and we have the inspection data to show
it.</p></blockquote>
<h3>Closures ahead</h3>
<ul><li>Night closures for line painting in the first two weeks.</li>
<li>A full closure on one Sunday for the load test.</li></ul>
<p>Residents can read the engineers' report at the central library or on the council's website,
where the full <a href="https://example.org/report">inspection findings</a> are published.</p>
"""


def gradient_jpeg(width, height, start, end):
    """A diagonal colour gradient: looks like a photo placeholder, compresses to a few KB."""
    middle = tuple((a + b) // 2 for a, b in zip(start, end, strict=True))
    corners = PILImage.new("RGB", (2, 2))
    corners.putdata([start, middle, middle, end])
    picture = corners.resize((width, height), PILImage.Resampling.BICUBIC)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def demo_image(n, size=(960, 540), **kwargs):
    start, end = PALETTE[n % len(PALETTE)]
    kwargs.setdefault("credit", "Newsroom Photo Desk")
    return factories.image(
        file=factories.upload(f"demo-{n}.jpg", gradient_jpeg(*size, start, end)), **kwargs
    )


def figure_html(image):
    """Inline picture markup as the editor stores it: figure, caption, credit."""
    fallback = image.fallback
    return (
        f'<figure><img src="{fallback["url"]}" width="{fallback["width"]}" '
        f'height="{fallback["height"]}" alt="{image.alt_text}">'
        f'<figcaption>{image.caption} <span class="credit">{image.credit}</span></figcaption>'
        "</figure>"
    )


@dataclass
class Demo:
    article: Article
    section: object
    author: object
    tag: str
    articles: list = field(default_factory=list)
    pending: object = None
    subscriber: object = None
    leaving: object = None
    preview_link: object = None
    revoked_link: object = None


def build_demo():
    """Create the demo site and return the objects the page registry points at."""
    sections = {
        name: factories.section(name=name, slug=name.lower(), position=position)
        for position, name in enumerate(["World", "Politics", "Business", "Culture", "Sport"])
    }
    sections["World"].description = "Reporting from every continent, checked twice."
    sections["World"].save()
    reporters = [
        factories.author(
            name="Amara Okafor",
            slug="amara-okafor",
            bio="Amara covers transport and the city. She has reported from four continents.",
            photo=demo_image(1, size=(400, 400), alt_text="Amara Okafor", caption=""),
            links="https://example.org/amara\nhttps://social.example/@amara",
        ),
        factories.author(name="Jonas Lindqvist", slug="jonas-lindqvist"),
        factories.author(name="Priya Raman", slug="priya-raman"),
    ]
    inline = demo_image(
        7,
        size=(960, 640),
        alt_text="Cyclists ride across the bridge in the new protected lane",
        caption="The new cycle lanes opened with the bridge.",
        credit="Jane Doe / City Pictures",
    )
    now = timezone.now()
    articles = []
    for n, (section, headline, standfirst, featured) in enumerate(STORIES):
        articles.append(
            factories.article(
                headline=headline,
                slug=f"story-{n}",
                standfirst=standfirst,
                section=sections[section],
                authors=[reporters[n % 3]] + ([reporters[1]] if n == 0 else []),
                body=BODY.format(figure=figure_html(inline) if n == 0 else ""),
                lead_image=demo_image(
                    n,
                    size=(1280, 720) if n == 0 else (960, 540),
                    alt_text=f"Illustration for: {headline}",
                    caption=f"{headline.split(' ')[0]} scene, photographed this week.",
                ),
                is_featured=featured,
                published_at=now - timedelta(hours=n * 3 + 1),
                tags=["Transport", "City"] if n in (0, 4, 6, 9) else ["City"],
            )
        )
    for n, (section, headline) in enumerate(BRIEFS, start=len(STORIES)):
        factories.article(
            headline=headline,
            slug=f"brief-{n}",
            section=sections[section],
            authors=[reporters[n % 3]],
            published_at=now - timedelta(hours=n * 2),
        )
    first = factories.comment(
        articles[0],
        name="Maria Lopez",
        body="I crossed it this morning: the new lane is wonderful.\n\nMore like this.",
    )
    factories.comment(
        articles[0], parent=first, name="Tom Becker", body="Agreed. See https://example.org/lanes"
    )
    factories.comment(articles[0], name="Sam Ito", body="How long until the buses return?")
    factories.correction(
        articles[0],
        text="An earlier version of this article said the bridge opened in 1932. It opened in "
        "1934.",
        published_at=now - timedelta(minutes=30),
    )
    factories.correction(
        articles[1],
        text="We misnamed the council's finance chair. She is Ines Carvalho, not Inez Carvalho.",
        published_at=now - timedelta(hours=2),
    )
    site = SiteSettings.load()
    site.advertisement_html = (
        f'<a href="/section/business/"><img src="{demo_image(3, size=(300, 250)).fallback["url"]}"'
        ' width="300" height="250" alt="Local business directory: find a baker near you"></a>'
    )
    for position, (label, url) in enumerate(
        [("RSS", "https://example.org/feed/"), ("Mastodon", "https://social.example/@news")]
    ):
        FollowLink.objects.create(settings=site, label=label, url=url, position=position)
    site.save()  # also drops the cached settings, so pages show the links
    pending = factories.subscriber(email="new.reader@example.org", status="pending")
    subscriber = factories.subscriber(email="loyal.reader@example.org", name="Loyal Reader")
    # Unsubscribes on the "unsubscribed" page type, so the other newsletter pages keep a reader.
    leaving = factories.subscriber(email="leaving.reader@example.org")
    # A draft shared with someone without an account, and a link that was withdrawn.
    from articles.models import PreviewLink

    draft = factories.article(
        headline="Harbour tunnel plans, before the vote",
        slug="harbour-tunnel-draft",
        section=sections["Politics"],
        authors=[reporters[2]],
        status=Article.Status.DRAFT,
        body=BODY.format(figure=""),
    )
    preview_link = PreviewLink.objects.create_for(draft, by=None)
    revoked_link = PreviewLink.objects.create_for(draft, by=None)
    revoked_link.revoke(by=None)
    return Demo(
        preview_link=preview_link,
        revoked_link=revoked_link,
        pending=pending,
        subscriber=subscriber,
        leaving=leaving,
        article=articles[0],
        section=sections["World"],
        author=reporters[0],
        tag="transport",
        articles=articles,
    )
