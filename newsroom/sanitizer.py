"""
The one place rich text becomes trusted HTML.

Every call to bleach lives here, behind an explicit allowlist, so that the library can be swapped
(bleach has made its final release) without touching the rest of the code. Anything rendered with
``|safe`` or ``mark_safe`` must come out of :func:`clean_html`; the Content-Security-Policy stands
behind it in case a hole is ever found.
"""

import html
import html as html_module
import re
from urllib.parse import unquote, urlsplit

import bleach
from bleach.css_sanitizer import CSSSanitizer
from django.conf import settings

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "h2", "h3", "h4", "ul", "ol", "li", "a", "strong", "em", "b", "i", "u", "s",
        "sub", "sup", "blockquote", "figure", "figcaption", "img", "hr", "code", "pre", "span",
    }
)  # fmt: skip

ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel", "target"],
    "img": ["src", "alt", "width", "height", "title"],
    "ol": ["start"],
    "span": ["class"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
ALLOWED_SPAN_CLASSES = frozenset({"credit"})

# Elements whose *content* must go too: bleach's strip=True keeps their text otherwise.
_DANGEROUS_BLOCKS = re.compile(
    r"<(script|style|iframe|object|embed|noscript|template|textarea|title|xmp|noembed|noframes)\b"
    r".*?(</\1\s*>|\Z)",
    re.IGNORECASE | re.DOTALL,
)

# No inline styles are allowed at all; the sanitizer only exists so a style attribute that slips
# past the allowlist in some future change is still emptied rather than kept verbatim.
_CSS = CSSSanitizer(allowed_css_properties=[])


# What a browser ignores in a URL before reading its scheme (the URL standard): tabs and newlines
# anywhere, control characters and spaces at either end.
_URL_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_CONTROL_OR_SPACE = "".join(chr(code) for code in range(0x21))
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)


def _has_allowed_scheme(url):
    """No scheme (a relative link) or one from ALLOWED_PROTOCOLS.

    bleach's own check lets any scheme through when only digits follow the colon (it reads
    ``javascript:1`` as a host and a port); this one reads the scheme as a browser does.
    """
    # bleach hands over the value with character references undecoded ("jav&#x09;ascript:").
    url = _URL_TAB_OR_NEWLINE.sub("", html.unescape(url)).strip(_C0_CONTROL_OR_SPACE)
    scheme = _SCHEME.match(url)
    return scheme is None or scheme[1].lower() in ALLOWED_PROTOCOLS


def _is_own_media(src):
    """Images may only come from our own media library, never from another host."""
    parts = urlsplit(html.unescape(src))
    if parts.scheme or parts.netloc:
        site = urlsplit(settings.SITE_URL)
        if (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
            return False
    # Browsers read "%2e%2e" and "\" in a path as ".." and "/": no way out of the media folder.
    path = unquote(parts.path)
    return path.startswith(settings.MEDIA_URL) and ".." not in path and "\\" not in path


def _filter_attributes(tag, name, value):
    allowed = ALLOWED_ATTRIBUTES.get(tag, [])
    if name not in allowed:
        return False
    if tag == "img" and name == "src":
        return _is_own_media(value)
    if tag == "img" and name in {"width", "height"}:
        return value.isdigit()
    if tag == "span" and name == "class":
        return value in ALLOWED_SPAN_CLASSES
    if tag == "a" and name == "href":
        return _has_allowed_scheme(value)
    if tag == "a" and name == "target":
        return value == "_blank"
    return True


def _link_rel(attrs, new=False):
    """Links that open elsewhere get rel="noopener" (and noreferrer) so they cannot reach back."""
    href_key = (None, "href")
    href = attrs.get(href_key, "")
    if not href:
        return attrs
    parts = urlsplit(href)
    external = bool(parts.netloc) and parts.netloc != urlsplit(settings.SITE_URL).netloc
    if external or attrs.get((None, "target")) == "_blank":
        attrs[(None, "rel")] = "noopener noreferrer"
    else:
        attrs.pop((None, "rel"), None)
    return attrs


def _drop_images_without_source(html):
    # An <img> whose src was refused is useless (and would fail validation): remove it.
    return re.sub(r"<img(?![^>]*\ssrc=)[^>]*>", "", html)


# Bounded work: bleach (html5lib, pure Python) costs tens of microseconds per character, more
# for a pile of "<". Past these limits the forms refuse the text (``html_problem``), and
# ``clean_html`` does no parsing at all: it shows the text escaped, so hostile input (a megabyte
# of nested tags, 100,000 brackets) costs milliseconds. An article of 20,000 words fits.
MAX_HTML_CHARS = 200_000
MAX_HTML_TAGS = 5_000  # "<" or "&" characters
MAX_HTML_DEPTH = 64
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")
_VOID = frozenset({"br", "hr", "img", "wbr", "input", "meta", "link", "source", "col", "area"})


def html_problem(html):
    """Why ``html`` is more than the sanitizer takes (a message for the form), or ``None``."""
    if len(html) > MAX_HTML_CHARS:
        return f"This is {len(html):,} characters of HTML; at most {MAX_HTML_CHARS:,} are taken."
    if html.count("<") > MAX_HTML_TAGS or html.count("&") > MAX_HTML_TAGS:
        return f"This has more than {MAX_HTML_TAGS:,} tags or entities; split it up."
    depth = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if name.lower() in _VOID or self_closing:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        if depth > MAX_HTML_DEPTH:
            return f"Elements are nested more than {MAX_HTML_DEPTH} deep; simplify the markup."
    return None


def clean_html(html):
    """Return editor HTML reduced to the allowlist, safe to mark safe."""
    if not html:
        return ""
    if html_problem(html):
        # Never parsed: shown as the text it is (the forms refuse it before it gets here).
        return "<p>" + html_module.escape(html[:MAX_HTML_CHARS], quote=False) + "</p>"
    html = _DANGEROUS_BLOCKS.sub("", html)
    cleaned = bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=_filter_attributes,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        css_sanitizer=_CSS,
    )
    cleaned = bleach.linkify(
        cleaned, callbacks=[_link_rel], skip_tags={"pre", "code"}, parse_email=False
    )
    return _drop_images_without_source(cleaned).strip()


def linkify_text(text, rel="nofollow ugc noopener"):
    """Escape plain text and turn bare URLs into links: for reader comments, never raw HTML."""

    def set_rel(attrs, new=False):
        attrs[(None, "rel")] = rel
        return attrs

    # html.escape, not bleach.clean: bleach keeps entities, so a typed "&lt;" would show as "<".
    escaped = html.escape(text, quote=False)
    return bleach.linkify(escaped, callbacks=[set_rel], parse_email=False)
