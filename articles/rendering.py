"""Inline images in article bodies, rendered like lead images.

The editor stores a plain ``<img src="/media/images/...">`` (inside a ``<figure>`` when it has a
caption). After the body has been through :func:`newsroom.sanitizer.clean_html`, this pass looks
each such picture up in the image library and replaces it with our own ``includes/figure.html``:
renditions with ``srcset``/``sizes``, intrinsic ``width``/``height``, ``loading="lazy"`` and the
"Image source" credit line. Everything it adds comes from that template (values escaped), so the
result stays as trustworthy as the sanitizer output it starts from. Pictures that are not in the
library are left exactly as the sanitizer returned them.
"""

import re
from html import unescape
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import strip_tags

from .models.image import Image

INLINE_SIZES = "(min-width: 1100px) 720px, 100vw"

# bleach's serializer writes attributes in double quotes, so these patterns only need that form.
_FIGURE = re.compile(r"<figure>(?P<inner>(?:(?!</figure>).)*?)</figure>", re.DOTALL)
_IMG = re.compile(r"<img\b[^>]*?\ssrc=\"(?P<src>[^\"]+)\"[^>]*>")
_CAPTION = re.compile(r"<figcaption>(?P<text>.*?)</figcaption>", re.DOTALL)
_ALT = re.compile(r"\salt=\"(?P<alt>[^\"]*)\"")
_BLOCK_IMG = re.compile(
    r"(?P<before>\A|</(?:p|h2|h3|h4|ul|ol|blockquote|figure|pre)>|<hr>)(?P<ws>\s*)"
    r"(?P<para><p>\s*)?(?P<img><img\b[^>]*?\ssrc=\"[^\"]+\"[^>]*>)(?(para)\s*</p>)"
)


def _file_name(src):
    """The storage name of a picture in our media folder, or None."""
    path = unquote(urlsplit(src).path)
    if not path.startswith(settings.MEDIA_URL):
        return None
    return path.removeprefix(settings.MEDIA_URL)


def _figure(image, caption="", alt=""):
    return render_to_string(
        "includes/figure.html",
        {
            "image": image,
            "caption": caption,
            "alt": alt,
            "lazy": True,
            "sizes": INLINE_SIZES,
            "css_class": "figure--inline",
        },
    ).strip()


def render_inline_images(html):
    """Replace library pictures in sanitized ``html`` with responsive, credited figures."""
    if "<img" not in html:
        return html
    names = {_file_name(m["src"]) for m in _IMG.finditer(html)} - {None}
    if not names:
        return html
    library = {image.file.name: image for image in Image.objects.filter(file__in=names)}
    if not library:
        return html

    def lookup(img_tag):
        match = _IMG.search(img_tag)
        image = library.get(_file_name(match["src"])) if match else None
        alt = _ALT.search(img_tag)
        return image, (unescape(alt["alt"]) if alt else "")

    def replace_figure(match):
        inner = match["inner"]
        images = list(_IMG.finditer(inner))
        if len(images) != 1:
            return match[0]
        image, alt = lookup(images[0][0])
        if image is None:
            return match[0]
        caption = _CAPTION.search(inner)
        text = unescape(strip_tags(caption["text"])).strip() if caption else ""
        return _figure(image, text, alt)

    def replace_block(match):
        image, alt = lookup(match["img"])
        if image is None:
            return match[0]
        return match["before"] + match["ws"] + _figure(image, alt=alt)

    html = _FIGURE.sub(replace_figure, html)
    # A picture on its own (a block in the editor, or alone in a paragraph) becomes a figure too;
    # one inside running text is left as it is, since a figure cannot sit inside a paragraph.
    return _BLOCK_IMG.sub(replace_block, html)
