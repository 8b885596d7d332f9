"""Comparing two versions of an article for people: word by word, escaped, field by field.

Used by the revision pages (compare, restore) and by the edit-conflict panel. Everything here
is computed on demand, for the two versions asked about only. The output is built from escaped
text alone (``format_html``): what anyone typed is shown, never interpreted.
"""

import difflib
import html
import re
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join, strip_tags

from .models.revision import FIELD_LABELS, RESTORABLE_FIELDS, STATE_FIELDS, TEXT_FIELDS

BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|figcaption|figure|pre)\s*>|<br\s*/?>", re.I)
TOKENS = re.compile(r"\s+|[^\s]+")


def body_text(value):
    """An HTML body as the words a reader sees, one block a line."""
    text = html.unescape(strip_tags(BLOCK_END.sub("\n", value or "")))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def word_diff(before, after):
    """``before`` → ``after`` as HTML: removed words in ``<del>``, added ones in ``<ins>``."""
    a, b = TOKENS.findall(before or ""), TOKENS.findall(after or "")
    runs = []  # [same?, old text, new text]; a lone space between two changes joins them
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal" and not (old.isspace() and runs and not runs[-1][0]):
            runs.append([True, old, new])
        elif runs and not runs[-1][0]:
            runs[-1][1] += old
            runs[-1][2] += new
        else:
            runs.append([False, old, new])
    parts = []
    for same, old, new in runs:
        if same:
            parts.append(format_html("{}", old))
            continue
        if old:
            parts.append(format_html("<del>{}</del>", old))
        if new:
            parts.append(format_html("<ins>{}</ins>", new))
    return format_html_join("", "{}", ((part,) for part in parts))


def display(name, value):
    """A field's stored value as words (a revision keeps ids with names, and ISO times)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "lead_image":
        return value.get("label") or f"Picture {value.get('id')}"
    if name == "section":
        return value.get("name", "")
    if name == "authors":
        return ", ".join(person.get("name", "") for person in value)
    if name == "tags":
        return ", ".join(value)
    if name == "body":
        return body_text(value)
    return str(value)


@dataclass
class FieldChange:
    name: str
    label: str
    before: str
    after: str
    diff: str | None  # word-level HTML for text fields

    @property
    def is_text(self):
        return self.diff is not None


def compare(before, after, fields=(*RESTORABLE_FIELDS, *STATE_FIELDS)):
    """The fields that differ between two revisions' contents (dicts), in form order, each
    with its values as words and, for the headline, standfirst and body, a word diff."""
    changes = []
    for name in fields:
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        old_text, new_text = display(name, old), display(name, new)
        diff = None
        if name in TEXT_FIELDS:
            words = body_text if name == "body" else (lambda value: value or "")
            diff = word_diff(words(old), words(new))
        changes.append(FieldChange(name, FIELD_LABELS[name], old_text, new_text, diff))
    return changes
