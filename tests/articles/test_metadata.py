"""What pages say about themselves: canonical addresses, Open Graph and Twitter tags, and JSON-LD
structured data parsed with ``json`` and checked field by field."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html

from articles.models import Article

pytestmark = pytest.mark.django_db

SITE = "https://news.example"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE
    settings.SITE_NAME = "The Example"


def head(response):
    assert response.status_code == 200, response.status_code
    return html.fromstring(response.content).find("head")


def meta(tree, key):
    """Every content of ``<meta property=key>`` or ``<meta name=key>``."""
    return [
        m.get("content") for m in tree.iter("meta") if key in (m.get("property"), m.get("name"))
    ]


def canonical(tree):
    links = [link.get("href") for link in tree.iter("link") if link.get("rel") == "canonical"]
    assert len(links) == 1, links
    return links[0]


def structured(tree):
    blocks = [s.text for s in tree.iter("script") if s.get("type") == "application/ld+json"]
    assert len(blocks) == 1, blocks
    data = json.loads(blocks[0])
    assert data["@context"] == "https://schema.org"
    return {item["@type"]: item for item in data["@graph"]}


@pytest.fixture
def story(make):
    section = make.section(name="World", slug="world")
    ada = make.author(name="Ada Reporter", slug="ada", links="https://social.example/@ada")
    return make.article(
        headline="Floods reach the valley",
        standfirst="Rivers rose overnight.",
        section=section,
        authors=[ada, make.author(name="Bo", slug="bo")],
        tags=["Floods", "Weather"],
        lead_image=make.image(size=(2400, 1600), alt_text="A flooded street", credit="Jo / Agency"),
    )


def test_every_public_page_has_one_canonical_address_without_junk_parameters(client, story, make):
    for i in range(30):
        make.article(
            headline=f"Floods {i}",
            section=story.section,
            tags=["Floods"],
            authors=story.ordered_authors[:1],
        )
    pages = {
        "/?utm_source=x&fbclid=y": f"{SITE}/",
        f"{story.get_absolute_url()}?utm_source=x&replyto=3": SITE + story.get_absolute_url(),
        "/section/world/?page=2&utm_medium=mail": f"{SITE}/section/world/?page=2",
        "/section/world/?page=1": f"{SITE}/section/world/",
        "/tag/floods/?page=2": f"{SITE}/tag/floods/?page=2",
        "/author/ada/?x=1": f"{SITE}/author/ada/",
        "/search/?q=floods&page=2&junk=1": f"{SITE}/search/?q=floods&page=2",
        reverse("articles:corrections"): SITE + reverse("articles:corrections"),
        reverse("newsletter:archive"): SITE + reverse("newsletter:archive"),
        reverse("newsletter:subscribe"): SITE + reverse("newsletter:subscribe"),
    }
    for url, expected in pages.items():
        tree = head(client.get(url))
        assert canonical(tree) == expected, url
        assert meta(tree, "og:url") == [expected], url
        assert meta(tree, "description")[0].strip(), url
        assert meta(tree, "og:title")[0].strip() and meta(tree, "og:description"), url
        assert meta(tree, "og:site_name") == ["The Example"], url
        assert meta(tree, "twitter:card"), url


def test_pages_behind_a_private_link_name_no_canonical_address(client, make):
    subscriber = make.subscriber()
    tree = head(client.get(subscriber.get_manage_url()))
    assert not [link for link in tree.iter("link") if link.get("rel") == "canonical"]
    assert not meta(tree, "og:url")


def test_an_article_has_open_graph_twitter_and_robots_tags(client, story):
    tree = head(client.get(story.get_absolute_url()))
    assert meta(tree, "og:type") == ["article"]
    assert meta(tree, "og:title") == ["Floods reach the valley"]
    assert meta(tree, "og:description") == ["Rivers rose overnight."]
    [image] = meta(tree, "og:image")
    assert image.startswith(SITE + "/media/")
    width, height = int(meta(tree, "og:image:width")[0]), int(meta(tree, "og:image:height")[0])
    assert width >= 1200 and height > 0
    assert meta(tree, "og:image:alt") == ["A flooded street"]
    assert meta(tree, "article:published_time") == [
        story.published_at.replace(microsecond=0).isoformat()
    ]
    assert meta(tree, "article:modified_time")
    assert meta(tree, "article:section") == ["World"]
    assert sorted(meta(tree, "article:tag")) == ["Floods", "Weather"]
    assert meta(tree, "twitter:card") == ["summary_large_image"]
    assert meta(tree, "twitter:image:alt") == ["A flooded street"]
    assert meta(tree, "robots") == ["max-image-preview:large"]


def test_news_article_structured_data_field_by_field(client, story):
    graph = structured(head(client.get(story.get_absolute_url())))
    article = graph["NewsArticle"]
    url = SITE + story.get_absolute_url()
    assert article["headline"] == "Floods reach the valley"
    assert article["description"] == "Rivers rose overnight."
    assert article["mainEntityOfPage"] == url
    assert article["datePublished"] == story.published_at.replace(microsecond=0).isoformat()
    assert article["dateModified"] >= article["datePublished"]
    assert article["author"] == [
        {
            "@type": "Person",
            "name": "Ada Reporter",
            "url": f"{SITE}/author/ada/",
            "sameAs": ["https://social.example/@ada"],
        },
        {"@type": "Person", "name": "Bo", "url": f"{SITE}/author/bo/"},
    ]
    publisher = article["publisher"]
    assert publisher["@type"] == "NewsMediaOrganization"
    assert publisher["name"] == "The Example"
    assert publisher["logo"]["url"].startswith(SITE + "/static/")
    assert publisher["logo"]["width"] == 600 and publisher["logo"]["height"] == 60
    assert article["isAccessibleForFree"] is True
    assert article["articleSection"] == "World"
    assert sorted(article["keywords"]) == ["Floods", "Weather"]
    assert article["image"], "a lead picture"
    for image in article["image"]:
        assert image["url"].startswith(SITE + "/media/")
        assert image["creditText"] == "Jo / Agency"
        assert image["copyrightHolder"] == {"@type": "Organization", "name": "Jo / Agency"}
        assert image["width"] >= 1200
    crumbs = graph["BreadcrumbList"]["itemListElement"]
    assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
        (1, "The Example", f"{SITE}/"),
        (2, "World", f"{SITE}/section/world/"),
        (3, "Floods reach the valley", url),
    ]


def test_a_correction_updates_date_modified(client, story, make):
    Article.objects.filter(pk=story.pk).update(updated_at=story.published_at)

    def modified():
        return structured(head(client.get(story.get_absolute_url())))["NewsArticle"]["dateModified"]

    assert modified() == story.published_at.replace(microsecond=0).isoformat()
    correction = make.correction(story, published_at=timezone.now() - timedelta(minutes=2))
    assert modified() == correction.published_at.replace(microsecond=0).isoformat()


HOSTILE = '</script><script>alert("x")</script><!-- & \u2028'


def test_a_hostile_headline_cannot_break_out_of_the_structured_data(client, make):
    story = make.article(headline=HOSTILE, standfirst="<b>bold</b> & </SCRIPT>")
    response = client.get(story.get_absolute_url())
    text = response.content.decode()
    block = text[text.index('<script type="application/ld+json">') :]
    block = block[: block.index("</script>")]
    # Nothing inside the block closes it, opens a comment, or is markup at all.
    assert "<" not in block[len('<script type="application/ld+json">') :]
    assert ">" not in block[len('<script type="application/ld+json">') :]
    graph = structured(head(response))
    assert graph["NewsArticle"]["headline"] == HOSTILE
    assert graph["NewsArticle"]["description"] == "<b>bold</b> & </SCRIPT>"
    # And the page's only scripts are our static file and the data block.
    tree = html.fromstring(response.content)
    scripts = [(s.get("type"), s.get("src")) for s in tree.iter("script")]
    assert all(src or kind == "application/ld+json" for kind, src in scripts), scripts


def test_the_home_page_describes_the_site_its_search_and_its_publisher(client, story):
    graph = structured(head(client.get("/")))
    site = graph["WebSite"]
    assert site["name"] == "The Example" and site["url"] == f"{SITE}/"
    action = site["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"] == f"{SITE}/search/?q={{q}}"
    assert action["query-input"] == "required name=q"
    organisation = graph["NewsMediaOrganization"]
    assert organisation["name"] == "The Example" and organisation["logo"]["url"]
    assert site["publisher"] == {"@id": organisation["@id"]}


def test_a_preview_is_noindex_and_a_draft_has_no_publication_date(editor, client, make):
    draft = make.article(status=Article.Status.DRAFT)
    tree = head(client.get(draft.get_preview_url()))
    assert meta(tree, "robots") == ["noindex"]
    assert structured(tree)["NewsArticle"]["datePublished"] is None
