"""The publishing workflow: every move and who may make it, scheduling on the minute (the
go-live task and the sweep), expiry, the lead pin. The clock is driven with time-machine."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.models import Article, Transition, TransitionNotAllowed
from articles.models.workflow import RULES, Action
from articles.tasks import end_lead_pins, expire_articles, publish_due_articles, run_sweep
from newsletter.models import Issue
from newsroom import cache as page_cache

pytestmark = pytest.mark.django_db

S = Article.Status


@pytest.fixture
def purged():
    """The paths each purge hands to page caches, as they run (on commit)."""
    calls = []

    def purger(paths):
        calls.append(set(paths or ()))

    page_cache.register_purger(purger)
    yield calls
    page_cache.unregister_purger(purger)


@pytest.fixture
def people(make):
    """An Editor, an Author (with a profile, whose articles carry it), and a Moderator."""
    author = make.staff(["Authors"])
    profile = make.author(name="Ada Author", user=author)
    return {
        "Editors": make.staff(["Editors"]),
        "Authors": author,
        "Moderators": make.staff(["Moderators"]),
        "profile": profile,
    }


def story_in(make, status, profile, **fields):
    if status in (S.SCHEDULED,):
        fields.setdefault("published_at", timezone.now() + timedelta(hours=1))
    elif status in (S.PUBLISHED, S.UNPUBLISHED):
        fields.setdefault("published_at", timezone.now() - timedelta(hours=1))
    return make.article(status=status, authors=[profile], **fields)


def arguments(action):
    return {
        Action.SCHEDULE: {"when": timezone.now() + timedelta(days=1)},
        Action.SEND_BACK: {"note": "Needs a second source."},
    }.get(action, {})


# Who may make which move, from which state ---------------------------------------------------

ALLOWED = {
    # (action, from state): the groups that may make it (on their own article, for Authors)
    (Action.SUBMIT, S.DRAFT): {"Editors", "Authors"},
    (Action.APPROVE, S.IN_REVIEW): {"Editors"},
    (Action.SEND_BACK, S.IN_REVIEW): {"Editors"},
    (Action.SEND_BACK, S.SCHEDULED): {"Editors"},
    (Action.SCHEDULE, S.DRAFT): {"Editors"},
    (Action.SCHEDULE, S.SCHEDULED): {"Editors"},
    (Action.SCHEDULE, S.UNPUBLISHED): {"Editors"},
    (Action.PUBLISH, S.DRAFT): {"Editors"},
    (Action.PUBLISH, S.SCHEDULED): {"Editors"},
    (Action.PUBLISH, S.UNPUBLISHED): {"Editors"},
    (Action.UNPUBLISH, S.PUBLISHED): {"Editors"},
    (Action.REOPEN, S.UNPUBLISHED): {"Editors"},
}
PEOPLE_MOVES = [a for a in Action if RULES[a].permission is not None]


@pytest.mark.parametrize("group", ["Editors", "Authors", "Moderators"])
@pytest.mark.parametrize("action", PEOPLE_MOVES)
@pytest.mark.parametrize("status", list(S))
def test_each_move_is_open_exactly_to_the_groups_allowed_from_its_state(
    make, people, group, action, status
):
    story = story_in(make, status, people["profile"])
    user = people[group]
    allowed = group in ALLOWED.get((action, status), set())
    method = {
        Action.SUBMIT: story.submit_for_review,
        Action.APPROVE: story.approve,
        Action.SEND_BACK: story.send_back,
        Action.SCHEDULE: story.schedule,
        Action.PUBLISH: story.publish,
        Action.UNPUBLISH: story.unpublish,
        Action.REOPEN: story.reopen,
    }[action]
    kwargs = arguments(action)
    when = kwargs.pop("when", None)
    call = (
        (lambda: method(when, by=user, **kwargs)) if when else (lambda: method(by=user, **kwargs))
    )

    assert story.may(action, user) is allowed
    if allowed:
        transition = call()
        story.refresh_from_db()
        assert transition.by == user
        assert (transition.from_status, transition.to_status) == (status, story.status)
    else:
        with pytest.raises(TransitionNotAllowed):
            call()
        story.refresh_from_db()
        assert story.status == status
        assert not Transition.objects.exists()


def test_an_author_may_not_submit_someone_elses_draft(make, people):
    other = make.article(status=S.DRAFT)  # another author's byline
    with pytest.raises(TransitionNotAllowed):
        other.submit_for_review(by=people["Authors"])
    assert Article.objects.get(pk=other.pk).status == S.DRAFT


def test_nobody_makes_the_systems_moves(make, people):
    story = story_in(make, S.SCHEDULED, people["profile"])
    for user in (people["Editors"], people["Authors"]):
        assert not story.may(Action.GO_LIVE, user)
        assert not story.may(Action.EXPIRE, user)


def test_the_whole_road_is_recorded_with_who_when_and_notes(make, people):
    editor, author = people["Editors"], people["Authors"]
    story = story_in(make, S.DRAFT, people["profile"])
    story.submit_for_review(by=author)
    story.send_back(by=editor, note="Needs a second source.")
    story.submit_for_review(by=author, note="Second source added.")
    when = timezone.now() + timedelta(hours=3)
    story.approve(by=editor, when=when)
    assert story.status == S.SCHEDULED and story.published_at == when
    story.publish(by=editor)
    story.unpublish(by=editor)
    story.reopen(by=editor)
    moves = list(story.transitions.order_by("created_at", "pk"))
    assert [(m.from_status, m.to_status, m.by) for m in moves] == [
        (S.DRAFT, S.IN_REVIEW, author),
        (S.IN_REVIEW, S.DRAFT, editor),
        (S.DRAFT, S.IN_REVIEW, author),
        (S.IN_REVIEW, S.SCHEDULED, editor),
        (S.SCHEDULED, S.PUBLISHED, editor),
        (S.PUBLISHED, S.UNPUBLISHED, editor),
        (S.UNPUBLISHED, S.DRAFT, editor),
    ]
    assert moves[1].note == "Needs a second source."
    assert moves[2].note == "Second source added."
    assert all(timezone.now() - m.created_at < timedelta(minutes=1) for m in moves)


def test_sending_back_needs_a_note(make, people):
    story = story_in(make, S.IN_REVIEW, people["profile"])
    with pytest.raises(ValidationError, match="author reads this note"):
        story.send_back(by=people["Editors"], note="   ")
    assert Article.objects.get(pk=story.pk).status == S.IN_REVIEW


def test_approving_without_a_time_publishes_now(make, people):
    story = story_in(make, S.IN_REVIEW, people["profile"])
    story.approve(by=people["Editors"])
    assert Article.objects.published().get() == story


def test_scheduling_refuses_a_time_that_has_passed_or_comes_after_expiry(make, people):
    story = story_in(make, S.DRAFT, people["profile"])
    with pytest.raises(ValidationError, match="That time has passed"):
        story.schedule(timezone.now() - timedelta(minutes=1), by=people["Editors"])
    story.expires_at = timezone.now() + timedelta(hours=1)
    with pytest.raises(ValidationError, match="after its expiry"):
        story.schedule(timezone.now() + timedelta(hours=2), by=people["Editors"])
    assert Article.objects.get(pk=story.pk).status == S.DRAFT


def test_two_people_moving_the_same_article_at_once_cannot_both_win(make, people):
    story = story_in(make, S.DRAFT, people["profile"])
    stale = Article.objects.get(pk=story.pk)
    story.publish(by=people["Editors"])
    with pytest.raises(TransitionNotAllowed, match="now Published"):
        stale.schedule(timezone.now() + timedelta(hours=1), by=people["Editors"])
    assert Article.objects.get(pk=story.pk).status == S.PUBLISHED
    assert Transition.objects.count() == 1


def test_republishing_keeps_the_first_publication_date(make):
    first = timezone.now() - timedelta(days=3)
    story = make.article(published_at=first)
    story.unpublish()
    story.publish()
    assert Article.objects.get(pk=story.pk).published_at == first


def test_every_move_purges_the_pages_showing_the_story(
    make, people, purged, django_capture_on_commit_callbacks
):
    story = story_in(make, S.DRAFT, people["profile"], slug="purged-story")
    with django_capture_on_commit_callbacks(execute=True):
        story.publish(by=people["Editors"])
    assert {"/", "/article/purged-story/"} <= purged[-1]


# Scheduling on the minute ----------------------------------------------------------------------


def test_a_scheduled_story_goes_live_when_the_sweep_runs_at_or_after_its_time(
    make, purged, django_capture_on_commit_callbacks
):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        story = make.article(status=S.DRAFT, slug="on-the-minute")
        story.schedule(start + timedelta(minutes=1))
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        assert publish_due_articles() == 0
        assert not Article.objects.published().exists()
    with (
        time_machine.travel(start + timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert publish_due_articles() == 1
        assert Article.objects.published().get() == story
    story.refresh_from_db()
    assert story.status == S.PUBLISHED
    assert story.published_at == start + timedelta(minutes=1)  # its time, not the sweep's
    going_live = story.transitions.get(action=Action.GO_LIVE)
    assert going_live.by is None and going_live.by_name == "the system"
    assert "/article/on-the-minute/" in purged[-1]


def test_scheduled_stories_are_not_public_before_the_worker_moves_them(make):
    """Public means published: a scheduled story whose time passed stays hidden until the task
    or the sweep publishes it (and purges the pages), so readers never get it half-updated."""
    story = make.article(status=S.SCHEDULED, published_at=timezone.now() - timedelta(seconds=5))
    assert not story.is_public
    assert not Article.objects.published().exists()


def test_the_go_live_task_publishes_its_story_once_however_often_it_runs(make, settings):
    from articles.tasks import go_live

    story = make.article(status=S.SCHEDULED, published_at=timezone.now() + timedelta(hours=1))
    assert go_live.enqueue(story.pk).return_value == 0  # early: nothing happens
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        assert go_live.enqueue(story.pk).return_value == 1
        assert go_live.enqueue(story.pk).return_value == 0
        assert publish_due_articles() == 0
    assert story.transitions.count() == 1


def test_scheduling_enqueues_the_go_live_task_for_its_time(
    make, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from articles.tasks import schedule_timed_work

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    when = timezone.now() + timedelta(minutes=1)
    story = make.article(status=S.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        story.schedule(when)
        schedule_timed_work(story)
    task = DBTaskResult.objects.get()
    assert task.task_path == "articles.tasks.go_live"
    assert task.run_after == when
    assert task.args_kwargs["args"] == [story.pk]


def test_the_sweep_publishes_an_overdue_story_whose_task_was_lost(make, settings):
    """No task was ever enqueued (a flushed queue, a restarted worker): the sweep still
    publishes it, as one of its jobs."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    story = make.article(status=S.SCHEDULED, published_at=timezone.now() - timedelta(minutes=10))
    results = run_sweep()
    assert results["articles.tasks.publish_due_articles"] == 1
    assert Article.objects.published().get() == story


def test_the_newsletters_scheduled_issues_go_out_in_the_same_sweep(
    make, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    start = timezone.now()
    story = make.article(status=S.SCHEDULED, published_at=start + timedelta(minutes=5))
    issue = make.issue(
        articles=[make.article()],
        status=Issue.Status.SCHEDULED,
        scheduled_at=start + timedelta(minutes=5),
    )
    with (
        time_machine.travel(start + timedelta(minutes=6)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        results = run_sweep()
    assert results["articles.tasks.publish_due_articles"] == 1
    assert results["newsletter.tasks.send_due_issues"] == 1
    assert Article.objects.get(pk=story.pk).status == S.PUBLISHED
    from django_tasks_db.models import DBTaskResult

    sends = DBTaskResult.objects.filter(task_path="newsletter.tasks.send_issue_task")
    assert [row.args_kwargs["args"] for row in sends] == [[issue.pk]]


def test_the_overdue_list_holds_scheduled_stories_more_than_two_minutes_late(make):
    late = make.article(status=S.SCHEDULED, published_at=timezone.now() - timedelta(minutes=3))
    make.article(status=S.SCHEDULED, published_at=timezone.now() - timedelta(minutes=1))
    make.article(status=S.SCHEDULED, published_at=timezone.now() + timedelta(minutes=5))
    assert list(Article.objects.overdue()) == [late]
    assert late.is_overdue


# Expiry ------------------------------------------------------------------------------------


def test_a_story_is_hidden_from_its_expiry_time_and_the_sweep_unpublishes_it(
    make, purged, django_capture_on_commit_callbacks
):
    start = timezone.now().replace(microsecond=0)
    story = make.article(slug="offer-ends", expires_at=start + timedelta(hours=1))
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        assert Article.objects.published().get() == story
        assert expire_articles() == 0
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert not Article.objects.published().exists()  # hidden at once, sweep or not
        story.refresh_from_db()
        assert not story.is_public
        with django_capture_on_commit_callbacks(execute=True):
            assert expire_articles() == 1
    story.refresh_from_db()
    assert story.status == S.UNPUBLISHED
    assert story.expires_at is None  # publishing it again does not expire it at once
    move = story.transitions.get()
    assert move.action == Action.EXPIRE and "Expiry time" in move.note
    assert "/article/offer-ends/" in purged[-1]
    story.publish()
    assert Article.objects.published().get() == story


def test_the_expire_task_unpublishes_only_when_due(make):
    from articles.tasks import expire

    story = make.article(expires_at=timezone.now() + timedelta(hours=1))
    assert expire.enqueue(story.pk).return_value == 0
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert expire.enqueue(story.pk).return_value == 1
    assert Article.objects.get(pk=story.pk).status == S.UNPUBLISHED


# The home page's lead pin ------------------------------------------------------------------------


def test_pinning_a_lead_unpins_the_one_before_and_the_pin_ends_at_its_time(make):
    first, second = make.article(), make.article()
    first.pin_as_lead()
    assert Article.objects.pinned_lead() == first
    until = timezone.now() + timedelta(hours=2)
    second.pin_as_lead(until)
    assert Article.objects.pinned_lead() == second
    assert not Article.objects.get(pk=first.pk).is_pinned_lead
    with time_machine.travel(until + timedelta(seconds=1)):
        assert Article.objects.pinned_lead() is None
        assert end_lead_pins() == 1
    assert not Article.objects.get(pk=second.pk).is_pinned_lead


def test_a_pinned_story_that_is_not_public_does_not_lead(make):
    draft = make.article(status=S.DRAFT)
    draft.pin_as_lead()
    assert Article.objects.pinned_lead() is None


def test_with_nothing_pinned_finding_the_lead_reads_only_the_pin_index(make):
    """The home page asks for the pin on every build. Looked for among public stories newest
    first, an unpinned site meant a walk through its whole archive (100,000 rows)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        make.article()
    with CaptureQueriesContext(connection) as captured:
        assert Article.objects.pinned_lead() is None
    assert len(captured) == 1
    sql = captured[0]["sql"]
    assert "is_pinned_lead" in sql and "status" not in sql  # the pin alone, not "public" first
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "USING COVERING INDEX article_pinned_lead" in plan, plan


def test_counting_public_stories_reads_the_index_alone(make):
    """Sitemaps, feeds and lists count or walk the newest public stories; with every column of
    "public" in one index the table is not read for it (on SQLite, past every story's body)."""
    from django.db import connection

    make.article()
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, Article._meta.db_table)
    assert indexes["article_public"]["columns"][:3] == ["status", "published_at", "expires_at"]
    if connection.vendor == "sqlite":
        sql, params = Article.objects.published().order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN SELECT COUNT(*) FROM (" + sql + ")", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "USING COVERING INDEX article_public" in plan, plan


def lead_story(client):
    import re

    page = client.get("/").text
    return re.search(r'<section class="lead-story".*?</section>', page, re.DOTALL)[0]


def test_the_home_page_leads_with_the_pinned_story_until_its_pin_ends(client, make):
    make.article(headline="The newest featured story", is_featured=True)
    pinned = make.article(
        headline="Chosen by the editor", published_at=timezone.now() - timedelta(days=2)
    )
    assert "The newest featured story" in lead_story(client)
    until = timezone.now() + timedelta(hours=1)
    pinned.pin_as_lead(until)
    assert "Chosen by the editor" in lead_story(client)
    with time_machine.travel(until + timedelta(seconds=1)):
        assert "The newest featured story" in lead_story(client)
