"""What the public Jinja2 templates get from ``comments`` (collected by ``newsroom.jinja2``)."""

from jinja2 import pass_context
from markupsafe import Markup

from comments.templatetags.comments import comment_section_context


@pass_context
def comment_section(context, article, form=None, error=""):
    """The comment thread and form under an article (``comments``' own template and data)."""
    data = comment_section_context(context.get("request"), article, form=form, error=error)
    template = context.environment.get_template("comments/section.html")
    return Markup(template.render({**context.get_all(), **data}))


GLOBALS = {"comment_section": comment_section}
