"""How the comments app is put together: arrows point one way, so each part can change alone."""

import ast
from pathlib import Path

import pytest

import comments

APP = Path(comments.__file__).parent


def imported_modules(relative_path):
    """Every module ``relative_path`` imports, at the top or inside a function, as dotted names
    (``from . import tasks`` and ``from .tasks import x`` both count as ``comments.tasks``)."""
    package = ".".join(("comments", *Path(relative_path).parts[:-1]))
    found = set()
    for node in ast.walk(ast.parse((APP / relative_path).read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found.add(node.module)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0]
            if node.module:
                found.add(f"{base}.{node.module}")
            else:
                found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("templatetags/comments.py", "comments.views"),
        ("views.py", "articles.views"),
    ],
)
def test_modules_do_not_reach_into_views(module, forbidden):
    assert forbidden not in imported_modules(module)


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("models.py", "comments.tasks"),
        ("models.py", "comments.notifications"),
        ("tasks.py", "comments.notifications"),
    ],
)
def test_models_and_tasks_do_not_import_each_other(module, forbidden):
    # tasks -> models, notifications -> tasks and models: one way, no cycle.
    assert forbidden not in imported_modules(module)


def test_absolute_links_are_built_by_newsroom_links_only():
    # ``newsroom.links.absolute_url`` is the one way to put SITE_URL in front of a path.
    templates = APP.parent / "templates"
    sources = [
        *APP.rglob("*.py"),
        *(templates / "comments").rglob("*.*"),
        *(templates / "jinja2" / "comments").rglob("*.*"),
    ]
    assert [path.name for path in sources if "SITE_URL" in path.read_text()] == []


def test_whether_an_article_is_public_is_asked_of_articles_not_worked_out_here():
    # Only the closing rule (N days after publication) reads the publication date.
    readers = [
        path.relative_to(APP).as_posix()
        for path in APP.rglob("*.py")
        if "published_at" in path.read_text() and "migrations" not in path.parts
    ]
    assert readers == ["moderation.py"]
    source = (APP / "moderation.py").read_text()
    closing = source[source.index("def comments_closed") :].split("\n\n\n")[0]
    assert source.count("published_at") == closing.count("published_at")
    assert "article.is_public" in closing
