"""Who may do what in the admin, for every admin address there is.

Every URL that ``admin.site.get_urls()`` serves for a registered model (changelist, add, change,
delete, history, each action, and each model admin's own extra views) is requested by each role:
anonymous, Moderator, Author, Editor and superuser.

- Anonymous: always the login page (a redirect to it), never the view.
- The expected allow-list is the groups' permissions (the one source: ``articles.groups``,
  ``comments.groups``, ``newsletter.groups``) less the rules the model admins add on top, which
  are written out below (``ADMIN_RULES``): what is allowed must answer 200.
- Everything else answers 403 (a page in the admin's design with a way back), and a refused
  POST changes nothing in the database.
"""

import hashlib
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "Moderators", "Authors", "Editors", "superuser"]
ACTIONS = ["view", "add", "change", "delete"]

NOBODY = "nobody"
SUPERUSER = "superuser"
# What the model admins decide beyond the group permissions. (label, action) -> who may.
ADMIN_RULES = {
    ("articles.redirect", "add"): NOBODY,  # made by renaming a story
    ("articles.redirect", "change"): NOBODY,
    ("articles.sitesettings", "add"): NOBODY,  # one row, and it exists
    ("articles.sitesettings", "view"): SUPERUSER,  # raw HTML on every page
    ("articles.sitesettings", "change"): SUPERUSER,
    ("articles.sitesettings", "delete"): SUPERUSER,
    ("comments.comment", "add"): NOBODY,  # comments come from readers
    ("comments.moderationlogentry", "add"): NOBODY,  # written by the moderation actions
    ("comments.moderationlogentry", "change"): NOBODY,
    ("comments.moderationlogentry", "delete"): NOBODY,
    ("newsletter.delivery", "add"): NOBODY,  # written by the sending engine
    ("newsletter.delivery", "change"): NOBODY,
    ("django_tasks_database.dbtaskresult", "add"): NOBODY,  # written by the task queue
    ("django_tasks_database.dbtaskresult", "change"): NOBODY,
}


def may(role, user, model, action):
    """The expected answer: may ``role`` do ``action`` on ``model``'s admin pages?"""
    if role == "anonymous":
        return False
    rule = ADMIN_RULES.get((model._meta.label_lower, action))
    if rule == NOBODY:
        return False
    if rule == SUPERUSER:
        return user.is_superuser
    allowed = user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")
    if action == "view":  # the admin shows a read-only page to whoever may change
        allowed = allowed or may(role, user, model, "change")
    return allowed


def has_any_permission(role, user, model):
    return any(may(role, user, model, action) for action in ACTIONS)


# The rows the object pages need --------------------------------------------------------------


@pytest.fixture
def world(make, django_capture_on_commit_callbacks):
    """One row of each model (by another person than any role, so Authors see a story that
    is not theirs)."""
    from articles.models import Redirect, SiteSettings
    from comments.models import BlockedTerm

    article = make.article(headline="A published story")
    make.image()
    make.comment(article=article)
    BlockedTerm.objects.create(value="spam-term")
    Redirect.objects.create(path="/article/old-slug/", article=article)
    SiteSettings.objects.get_or_create(pk=1)
    make.subscriber()
    issue = make.issue(articles=[article])
    issue.start_sending()
    make.staff(username="someone-else")
    return article


@pytest.fixture
def people(make):
    users = {"anonymous": None}
    for role in ["Moderators", "Authors", "Editors"]:
        users[role] = make.staff([role], username=f"role-{role.lower()}")
    users["superuser"] = make.staff(username="role-superuser", is_superuser=True)
    clients = {}
    for role, user in users.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        clients[role] = client
    return users, clients


def fingerprint():
    """Everything the admin could change, as one hash: every row of every registered model,
    plus users, groups and their permissions."""
    digest = hashlib.sha256()
    models = [*admin.site._registry, Group.permissions.through]
    for model in sorted(models, key=lambda m: m._meta.label):
        rows = model._base_manager.order_by("pk").values_list()
        digest.update(f"{model._meta.label}:{list(rows)!r}".encode())
    return digest.hexdigest()


def first_row(model):
    return model._base_manager.order_by("pk").first()


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def assert_login_redirect(response, url):
    assert response.status_code == 302, (url, response.status_code)
    assert response["Location"].startswith(reverse("admin:login")), (url, response["Location"])


def assert_admin_403(response, url):
    assert response.status_code == 403, (url, response.status_code)
    assert 'id="header"' in response.text, url  # the admin's own page
    assert f'href="{reverse("admin:index")}"' in response.text, url  # and a way back


# The standard pages --------------------------------------------------------------------------

STANDARD = [  # (view, needs, takes an object)
    ("changelist", "view", False),
    ("add", "add", False),
    ("change", "view", True),
    ("history", "view", True),
    ("delete", "delete", True),
]


def test_every_standard_admin_page_answers_each_role_as_expected(world, people):
    users, clients = people
    wrong = []
    for model in admin.site._registry:
        row = first_row(model)
        for view, needs, takes_object in STANDARD:
            if takes_object and row is None:
                continue
            url = admin_url(model, view, *([row.pk] if takes_object else []))
            for role in ROLES:
                response = clients[role].get(url)
                if role == "anonymous":
                    assert_login_redirect(response, url)
                    continue
                expected = may(role, users[role], model, needs)
                if model._meta.label_lower == "articles.article" and view in {"change", "history"}:
                    # Authors see their own stories only (and this one is not theirs).
                    expected = expected and role != "Authors"
                if view == "history" and expected:
                    expected = may(role, users[role], model, "view")
                if expected and response.status_code != 200:
                    wrong.append((role, url, response.status_code, "expected 200"))
                elif not expected and response.status_code not in {403, 302}:
                    wrong.append((role, url, response.status_code, "expected 403"))
                elif not expected and response.status_code == 302:
                    # The admin sends a missing object (hidden from this role) back to the
                    # index; anything else is a leak.
                    assert response["Location"] == reverse("admin:index"), (role, url)
    assert not wrong, "\n".join(map(str, wrong))


def test_refused_writes_change_nothing(world, people):
    users, clients = people
    before = fingerprint()
    for model in admin.site._registry:
        row = first_row(model)
        for role in ROLES:
            client, user = clients[role], users[role]
            attempts = []
            if not may(role, user, model, "add"):
                attempts.append(admin_url(model, "add"))
            if row is not None and not may(role, user, model, "change"):
                attempts.append(admin_url(model, "change", row.pk))
            if row is not None and not may(role, user, model, "delete"):
                attempts.append(admin_url(model, "delete", row.pk))
            for url in attempts:
                response = client.post(url, {"post": "yes"})
                if role == "anonymous":
                    assert_login_redirect(response, url)
                elif url.endswith("/change/") and may(role, user, model, "view"):
                    # A read-only page: the POST is refused by the form not being there.
                    assert response.status_code in {200, 302, 403}, (role, url)
                else:
                    assert_admin_403(response, url)
            assert fingerprint() == before, (role, model._meta.label)


def test_every_action_is_refused_to_roles_without_its_permission(world, people):
    users, clients = people
    before = fingerprint()
    for model, model_admin in admin.site._registry.items():
        row = first_row(model)
        if row is None:
            continue
        actions = {"delete_selected": ("delete",)}
        for action in model_admin.actions or []:
            func = (
                action
                if callable(action)
                else getattr(model_admin, action, None) or admin.site.get_action(action)
            )
            actions[func.__name__] = getattr(func, "allowed_permissions", ())
        for name, needs in actions.items():
            for role in ROLES:
                user = users[role]
                allowed = role == "superuser" or (
                    role != "anonymous"
                    and all(
                        may(role, user, model, permission)
                        if permission in ACTIONS
                        else getattr(model_admin, f"has_{permission}_permission")(
                            _request_for(user)
                        )
                        for permission in needs
                    )
                    and may(role, user, model, "view")
                )
                if allowed:
                    continue
                url = admin_url(model, "changelist")
                response = clients[role].post(
                    url, {"action": name, "_selected_action": [row.pk], "post": "yes"}
                )
                if role == "anonymous":
                    assert_login_redirect(response, url)
                elif not may(role, user, model, "view"):
                    assert_admin_403(response, url)
                else:
                    # The changelist is theirs to see; the action is not on offer.
                    assert response.status_code in {200, 302}, (role, name)
                assert fingerprint() == before, (role, model._meta.label, name)


def _request_for(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


# Each model admin's own pages ----------------------------------------------------------------

STANDARD_NAMES = {"changelist", "add", "change", "delete", "history"}


def extra_urls(world):
    """Every other URL a model admin adds (calendar, queue, autosave, previews...), with its
    arguments filled from the model's first row."""
    urls = []
    for model, model_admin in admin.site._registry.items():
        row = first_row(model)
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        for pattern in model_admin.get_urls():
            name = getattr(pattern, "name", None) or ""
            if not name.startswith(prefix) or name[len(prefix) :] in STANDARD_NAMES:
                continue
            converters = re.findall(r"<(?:(\w+):)?(\w+)>", str(pattern.pattern))
            if converters and row is None:
                continue
            args = [row.pk if arg in {"pk", "object_id"} else 1 for _kind, arg in converters]
            urls.append((model, reverse(f"admin:{name}", args=args)))
    return urls


def test_every_extra_admin_page_refuses_anonymous_and_roles_without_permission(world, people):
    users, clients = people
    urls = extra_urls(world)
    assert len(urls) >= 5  # the calendar, the moderation queue, the image preview...
    wrong = []
    for model, url in urls:
        for role in ROLES:
            refused = role == "anonymous" or not has_any_permission(role, users[role], model)
            before = fingerprint() if refused else None
            for method in ["get", "post"]:
                response = getattr(clients[role], method)(url)
                if role == "anonymous":
                    if response.status_code != 302 or not response["Location"].startswith(
                        reverse("admin:login")
                    ):
                        wrong.append((role, method, url, response.status_code))
                elif refused:
                    if response.status_code not in {403, 404, 405}:
                        wrong.append((role, method, url, response.status_code))
                elif response.status_code >= 500:
                    wrong.append((role, method, url, response.status_code))
            if refused and fingerprint() != before:
                wrong.append((role, url, "changed the database"))
    assert not wrong, "\n".join(map(str, wrong))


def test_a_refused_staff_member_sees_the_admins_403_with_a_way_back(world, people):
    _users, clients = people
    url = reverse("admin:auth_user_changelist")
    response = clients["Moderators"].get(url)
    assert_admin_403(response, url)
    assert "permission" in response.text.lower()
