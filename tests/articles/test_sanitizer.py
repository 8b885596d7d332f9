import pytest

from newsroom.sanitizer import clean_html


def test_script_is_removed_with_its_text():
    html = clean_html("<p>Hello</p><script>alert('owned')</script><p>World</p>")
    assert "script" not in html
    assert "owned" not in html
    assert html == "<p>Hello</p><p>World</p>"


def test_style_element_is_removed_with_its_rules():
    html = clean_html("<style>body{display:none}</style><p>Text</p>")
    assert html == "<p>Text</p>"


@pytest.mark.parametrize(
    "markup",
    [
        '<p onclick="steal()">Text</p>',
        '<img src="/media/images/a.jpg" onerror="steal()" alt="a">',
        '<a href="/x" onmouseover="steal()">Text</a>',
        '<p ONLOAD="steal()">Text</p>',
    ],
)
def test_event_handlers_are_removed(markup):
    html = clean_html(markup)
    assert "steal" not in html
    assert "on" not in html.lower().replace("noopener", "")


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        # Only digits after the colon: bleach alone reads these as "host:port" and keeps them.
        "javascript:1",
        "JAVASCRIPT:0",
        "jav&#x09;ascript:1",
        "&#106;avascript:1",
        "\x01javascript:1",
        "vbscript:1",
    ],
)
def test_dangerous_link_schemes_are_removed(href):
    html = clean_html(f'<p><a href="{href}">Click</a></p>')
    assert html == "<p><a>Click</a></p>"  # the text stays, the link goes
    assert "javascript" not in html.lower()
    assert "vbscript" not in html.lower()
    assert "data:" not in html


@pytest.mark.parametrize(
    "markup",
    [
        '<p style="position:fixed;top:0;left:0;width:100%">Overlay</p>',
        '<p style="background:url(javascript:alert(1))">Overlay</p>',
        '<p style="behavior:url(x.htc)">Overlay</p>',
        '<span style="color:expression(alert(1))">Overlay</span>',
    ],
)
def test_style_attributes_and_tricks_are_removed(markup):
    html = clean_html(markup)
    assert "style" not in html
    assert "Overlay" in html


@pytest.mark.parametrize("href", ["tel:0123456", "ftp://files.example/x", "sms:123"])
def test_link_schemes_outside_the_allowlist_are_removed(href):
    assert clean_html(f'<p><a href="{href}">Call</a></p>') == "<p><a>Call</a></p>"


@pytest.mark.parametrize(
    "href", ["https://example.org/a", "http://example.org/a", "mailto:desk@example.org", "/local/"]
)
def test_safe_link_schemes_are_kept(href):
    assert f'href="{href}"' in clean_html(f'<p><a href="{href}">Link</a></p>')


@pytest.mark.parametrize("tag", ["h1", "h5", "h6", "table", "div", "button", "input", "video"])
def test_markup_outside_the_allowlist_is_removed_and_its_text_kept(tag):
    assert clean_html(f"<{tag}>Words</{tag}>") == "Words"


def test_data_uri_images_are_removed():
    html = clean_html('<p>a</p><img src="data:image/png;base64,iVBORw0KGgo=" alt="x">')
    assert "<img" not in html
    assert "data:" not in html


def test_images_from_other_hosts_are_removed_and_ours_kept():
    html = clean_html(
        '<img src="https://tracker.example/pixel.gif" alt="t">'
        '<img src="/media/images/2026/11/ok.jpg" alt="ours">'
        '<img src="/media/../secrets.txt" alt="escape">'
        '<img src="/media/%2e%2E/secrets.txt" alt="escape">'
        '<img src="/media/&#37;2e&#37;2e/secrets.txt" alt="escape">'
        '<img src="/media/images\\..\\secrets.txt" alt="escape">'
        '<img src="//tracker.example/media/x.jpg" alt="t">'
        '<img src="javascript:1" alt="t">'
    )
    assert "tracker.example" not in html
    assert html == '<img src="/media/images/2026/11/ok.jpg" alt="ours">'


def test_iframes_objects_and_forms_are_removed():
    html = clean_html(
        '<iframe src="https://evil.example"></iframe><object data="x"></object>'
        '<form action="https://evil.example"><input name="password"></form><p>Kept</p>'
    )
    assert html == "<p>Kept</p>"


def test_allowed_markup_is_kept():
    markup = (
        "<h2>Sub-heading</h2><h3>Smaller</h3><h4>Smallest</h4>"
        "<p><strong>Bold</strong>, <em>italic</em>, <s>struck</s>, "
        "H<sub>2</sub>O, x<sup>2</sup></p>"
        '<ul><li>One</li></ul><ol start="3"><li>Three</li></ol>'
        "<blockquote><p>Quoted</p></blockquote><hr>"
        '<figure><img src="/media/images/a.jpg" alt="A picture"><figcaption>Caption</figcaption>'
        "</figure>"
        '<p><a href="/article/local/">Internal link</a></p>'
    )
    assert clean_html(markup) == markup


def test_external_links_get_rel_noopener():
    html = clean_html('<p><a href="https://example.org/report">Report</a></p>')
    assert 'href="https://example.org/report"' in html
    assert 'rel="noopener noreferrer"' in html


def test_links_opening_a_new_window_get_rel_noopener_even_when_internal():
    html = clean_html('<p><a href="/x" target="_blank" rel="opener">X</a></p>')
    assert 'rel="noopener noreferrer"' in html
    assert 'rel="opener"' not in html


def test_plain_text_comments_never_become_markup():
    from newsroom.sanitizer import linkify_text

    html = linkify_text("<b>hi</b> see https://example.org")
    assert "<b>" not in html
    assert "&lt;b&gt;" in html
    assert '<a href="https://example.org" rel="nofollow ugc noopener">' in html
