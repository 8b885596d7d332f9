"""The project's arrows: ``comments`` and ``newsletter`` build on ``articles`` and on
``newsroom``'s seams; every arrow points into ``articles`` or ``newsroom``, none back out of them
to ``comments`` or ``newsletter``, and the two outer apps know nothing of each other.
``newsroom.settings`` and ``newsroom.urls`` wire the apps in and are the exceptions."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WIRING = {"newsroom/settings.py", "newsroom/urls.py"}


def top_level_imports(path):
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


def sources(package):
    return [
        path
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and path.relative_to(ROOT).as_posix() not in WIRING
    ]


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("newsroom", {"comments", "newsletter"}),
        ("articles", {"comments", "newsletter"}),
        ("comments", {"newsletter"}),
        ("newsletter", {"comments"}),
    ],
)
def test_no_arrow_points_back(package, forbidden):
    wrong = sorted(
        f"{path.relative_to(ROOT).as_posix()} imports {name}"
        for path in sources(package)
        for name in top_level_imports(path) & forbidden
    )
    assert wrong == []


def test_the_public_templates_get_each_apps_helpers_from_that_apps_jinja2_module():
    from django.template import engines

    env = engines["jinja2"].env
    for name, app in [
        ("comment_section", "comments"),
        ("newsletter_consent_text", "newsletter"),
        ("share_links", "articles"),
    ]:
        assert env.globals[name].__module__.split(".")[0] == app
