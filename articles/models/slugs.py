"""Slugs: the readable last part of an address, in any script, never empty, never taken."""

from django.utils.text import slugify


def unique_slug(instance, text, fallback, reserved=lambda slug: False):
    """A slug for ``text`` that no other row of the model has: "budget", then "budget-2"...

    Letters of every script are kept ("zürich", "東京", "ελλάδα"): readers in those languages
    read their addresses. ``fallback`` stands in when ``text`` has nothing a slug can keep
    ("!!!", an emoji), so a row never gets an empty slug, which no address could be made from.
    ``reserved(slug)`` says whether a slug is held elsewhere (an article's old address).
    """
    model = type(instance)
    max_length = model._meta.get_field("slug").max_length
    base = slugify(text, allow_unicode=True)[:max_length].strip("-_") or fallback
    taken = model.objects.exclude(pk=instance.pk).filter(slug__startswith=base)
    taken = set(taken.values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken or reserved(slug):
        number += 1
        suffix = f"-{number}"
        slug = base[: max_length - len(suffix)] + suffix
    return slug
