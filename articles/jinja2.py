"""What the public Jinja2 templates get from ``articles`` (collected by ``newsroom.jinja2``)."""

from articles.metadata import json_ld
from articles.templatetags.articles_tags import absolute, share_links, time_tag

GLOBALS = {
    "absolute": absolute,
    "json_ld": json_ld,
    "share_links": share_links,
    "time_tag": time_tag,
}
FILTERS = {"time_tag": time_tag}
