"""Helpers for the article admin's workflow templates (``templates/admin/articles/``)."""

from django import template

from ..models import Article
from ..models.workflow import local_time

register = template.Library()


@register.simple_tag
def workflow_summary(article):
    """One sentence on where the story stands: when it goes or went live, when it expires."""
    parts = []
    if article.status == Article.Status.SCHEDULED:
        parts.append(f"Goes live on {local_time(article.published_at)}.")
    elif article.status == Article.Status.PUBLISHED and article.published_at:
        parts.append(f"Public since {local_time(article.published_at)}.")
    elif article.status == Article.Status.IN_REVIEW:
        parts.append("Waiting for an editor to approve it or send it back.")
    elif article.status == Article.Status.UNPUBLISHED:
        parts.append("Off the site; its old address answers “not found” until it is back.")
    else:
        parts.append("Not public. Submit it for review when it is ready.")
    if article.expires_at:
        parts.append(f"Unpublishes itself on {local_time(article.expires_at)}.")
    if article.planned_on and article.status in (Article.Status.DRAFT, Article.Status.IN_REVIEW):
        parts.append(f"Planned for {article.planned_on:%d %B %Y}.")
    return " ".join(parts)


@register.filter
def needs_time(buttons):
    """Whether any of these buttons asks for a go-live time."""
    return any(button.needs_time for button in buttons)


@register.simple_tag(takes_context=True)
def overdue_articles(context, limit=20):
    """Scheduled stories past their time that the person may see (the admin's warning)."""
    request = context.get("request")
    if request is None or not request.user.has_perm("articles.view_article"):
        return []
    return list(Article.objects.overdue().viewable_by(request.user)[:limit])
