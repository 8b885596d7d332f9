"""The workflow in the admin: the state panel and its buttons (no status dropdown), the history,
the list's filter and "goes live" column, the overdue warning, and the editorial calendar."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.articles.test_admin import ADD_URL, CHANGELIST_URL, article_form

pytestmark = pytest.mark.django_db

S = Article.Status
CALENDAR_URL = reverse("admin:articles_article_calendar")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def buttons(page):
    """The labels of the workflow buttons on a change form."""
    return re.findall(r'<button type="submit" name="transition" value="[^"]+"[^>]*>([^<]+)<', page)


def form_for(article, **overrides):
    """The change form as posted for ``article``, byline included."""
    link = article.articleauthor_set.first()
    rows = {}
    if link:
        rows = {
            "articleauthor_set-INITIAL_FORMS": "1",
            "articleauthor_set-0-id": link.pk,
            "articleauthor_set-0-article": article.pk,
            "articleauthor_set-0-author": link.author_id,
        }
    fields = {"headline": article.headline, "slug": article.slug, "section": article.section_id}
    return article_form(**{**fields, **rows, **overrides})


@pytest.fixture
def author(staff_client, make):
    client = staff_client(["Authors"])
    client.profile = make.author(name="Ada Author", user=client.user)
    return client


# The change form ---------------------------------------------------------------------------


def test_the_change_form_has_no_status_dropdown_and_shows_the_state(editor_client, make):
    story = make.article(status=S.SCHEDULED, published_at=timezone.now() + timedelta(hours=2))
    page = editor_client.get(change_url(story)).text
    assert 'name="status"' not in page
    assert '<span class="state-badge state-scheduled">Scheduled</span>' in page
    assert "Goes live on" in page


@pytest.mark.parametrize(
    ("status", "labels"),
    [
        (S.DRAFT, ["Submit for review", "Publish now", "Schedule…"]),
        (
            S.IN_REVIEW,
            ["Approve and publish now", "Approve and schedule…", "Send back to draft"],
        ),
        (S.SCHEDULED, ["Publish now", "Schedule…", "Send back to draft"]),
        (S.PUBLISHED, ["Unpublish"]),
        (S.UNPUBLISHED, ["Publish now", "Schedule…", "Back to draft"]),
    ],
)
def test_editors_get_a_button_for_exactly_each_move_they_may_make(
    editor_client, make, status, labels
):
    when = timezone.now() + (timedelta(hours=2) if status == S.SCHEDULED else -timedelta(hours=2))
    story = make.article(status=status, published_at=when)
    assert buttons(editor_client.get(change_url(story)).text) == labels


def test_authors_get_only_submit_on_their_draft_and_nothing_once_it_is_in_review(author, make):
    own = make.article(status=S.DRAFT, authors=[author.profile])
    assert buttons(author.get(change_url(own)).text) == ["Submit for review"]
    assert buttons(author.get(ADD_URL).text) == ["Submit for review"]
    own.submit_for_review(by=author.user)
    page = author.get(change_url(own)).text  # read-only now: the editor has it
    assert buttons(page) == []
    assert "In review" in page


def test_an_author_submits_a_new_story_for_review_from_the_add_form(author, make):
    response = author.post(
        ADD_URL,
        article_form(section=make.section().pk, transition="submit", transition_note="Ready"),
    )
    story = Article.objects.get()
    assert response.status_code == 302 and response.url == change_url(story)
    assert story.status == S.IN_REVIEW
    assert list(story.authors.all()) == [author.profile]
    move = story.transitions.get()
    assert (move.by, move.note) == (author.user, "Ready")
    page = author.get(change_url(story)).text
    assert "“Harbour bridge reopens” is now In review." in page
    assert "Ready" in page and "Draft" in page  # the history row


def test_the_history_table_names_who_made_each_move_and_when(author, editor_client, make):
    import re

    from django.utils import timezone

    story = make.article(status=S.DRAFT, authors=[author.profile])
    author.post(change_url(story), form_for(story, transition="submit"))
    move = story.transitions.get()
    page = editor_client.get(change_url(story)).text
    rows = re.findall(r"<tr>\s*<td><time datetime=\"([^\"]+)\">.*?</tr>", page, re.S)
    assert len(rows) == 1
    row = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    assert f"<td>{author.user.get_username()}</td>" in row  # who
    local = timezone.localtime(move.created_at)
    assert rows[0] == local.isoformat()  # when, machine-readable
    assert local.strftime("%H:%M") in row  # and for people


def test_a_button_saves_the_edits_and_makes_the_move_together(editor_client, make):
    story = make.article(status=S.DRAFT)
    response = editor_client.post(
        change_url(story), form_for(story, headline="Harbour bridge reopens", transition="publish")
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.headline == "Harbour bridge reopens"
    assert story.status == S.PUBLISHED


def test_scheduling_from_the_form_sets_the_time_and_enqueues_the_go_live_task(
    editor_client, make, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    story = make.article(status=S.DRAFT)
    when = (timezone.localtime() + timedelta(days=1)).replace(second=0, microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            change_url(story),
            form_for(story, transition="schedule", go_live_at=when.strftime("%Y-%m-%dT%H:%M")),
            follow=True,
        )
    story.refresh_from_db()
    assert story.status == S.SCHEDULED and story.published_at == when
    assert "Scheduled: “" in response.text
    assert DBTaskResult.objects.get(task_path="articles.tasks.go_live").run_after == when
    listed = editor_client.get(CHANGELIST_URL).text
    assert timezone.localtime(when).strftime("%H:%M") in listed  # the "goes live" column


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"transition": "schedule", "go_live_at": ""}, "Choose when it goes live."),
        ({"transition": "schedule", "go_live_at": "2001-01-01T09:00"}, "That time has passed"),
        ({"transition": "schedule", "go_live_at": "not a time"}, "Enter a valid date/time."),
        ({"transition": "unpublish"}, "not possible for an article that is draft"),
        ({"transition": "no-such-move"}, "Select a valid choice."),
    ],
)
def test_a_refused_move_saves_nothing_and_keeps_what_was_typed(
    editor_client, make, overrides, error
):
    story = make.article(status=S.DRAFT, headline="Old headline")
    response = editor_client.post(
        change_url(story), form_for(story, headline="Typed, not lost", **overrides)
    )
    assert response.status_code == 200
    assert error in response.text
    assert "Typed, not lost" in response.text
    story.refresh_from_db()
    assert (story.headline, story.status) == ("Old headline", S.DRAFT)


def test_sending_back_needs_a_note_which_the_author_then_reads(editor_client, author, make):
    own = make.article(status=S.DRAFT, authors=[author.profile])
    own.submit_for_review(by=author.user)
    refused = editor_client.post(change_url(own), form_for(own, transition="send_back"))
    assert "the author reads this note" in refused.text
    editor_client.post(
        change_url(own),
        form_for(own, transition="send_back", transition_note="Add a second source, please."),
    )
    assert Article.objects.get(pk=own.pk).status == S.DRAFT
    page = author.get(change_url(own)).text
    assert "Add a second source, please." in page
    assert buttons(page) == ["Submit for review"]


def test_a_moderator_cannot_open_an_article_or_make_a_move(staff_client, make):
    moderator = staff_client(["Moderators"])
    story = make.article(status=S.DRAFT)
    assert moderator.get(change_url(story)).status_code == 403
    moderator.post(change_url(story), form_for(story, transition="publish"))
    assert Article.objects.get(pk=story.pk).status == S.DRAFT


def test_an_expiry_time_that_has_passed_is_refused(editor_client, make):
    story = make.article()
    response = editor_client.post(
        change_url(story),
        form_for(story, expires_at_0="2001-01-01", expires_at_1="09:00:00"),
    )
    assert response.status_code == 200
    assert "use “Unpublish” to take the story down now" in response.text


def test_pinning_a_lead_from_the_form_unpins_the_previous_one(editor_client, make):
    before, story = make.article(), make.article()
    before.pin_as_lead()
    until = timezone.localtime() + timedelta(days=1)
    response = editor_client.post(
        change_url(story),
        form_for(
            story,
            is_pinned_lead="on",
            lead_until_0=until.strftime("%Y-%m-%d"),
            lead_until_1=until.strftime("%H:%M:%S"),
        ),
    )
    assert response.status_code == 302
    assert Article.objects.pinned_lead() == story
    assert not Article.objects.get(pk=before.pk).is_pinned_lead


def test_the_featured_box_says_what_it_does(editor_client):
    page = editor_client.get(ADD_URL).text
    assert "Featured stories fill the home page" in page
    assert "pin as the home page" in page.lower()


# The list ----------------------------------------------------------------------------------


def test_the_status_filter_offers_in_review_and_scheduled(editor_client, make):
    review = make.article(status=S.IN_REVIEW)
    scheduled = make.article(status=S.SCHEDULED, published_at=timezone.now() + timedelta(days=1))
    make.article()
    page = editor_client.get(CHANGELIST_URL).text
    assert "?status__exact=in_review" in page and "?status__exact=scheduled" in page

    def listed(status):
        response = editor_client.get(CHANGELIST_URL, {"status__exact": status})
        return [a.pk for a in response.context["cl"].result_list]

    assert listed("in_review") == [review.pk]
    assert listed("scheduled") == [scheduled.pk]


def test_bulk_publish_records_each_move_and_says_what_it_left(editor_client, make):
    draft, review = make.article(status=S.DRAFT), make.article(status=S.IN_REVIEW)
    response = editor_client.post(
        CHANGELIST_URL,
        {"action": "publish_selected", "_selected_action": [draft.pk, review.pk]},
        follow=True,
    )
    assert "Published 1 article." in response.text
    assert "1 article was left as it was" in response.text
    assert draft.transitions.get().by == editor_client.user
    assert Article.objects.get(pk=review.pk).status == S.IN_REVIEW


def test_the_admin_warns_about_overdue_stories_on_the_list_and_the_index(editor_client, make):
    make.article(
        status=S.SCHEDULED,
        headline="Stuck in the queue",
        published_at=timezone.now() - timedelta(minutes=3),
    )
    make.article(status=S.SCHEDULED, published_at=timezone.now() - timedelta(minutes=1))
    for url in (CHANGELIST_URL, reverse("admin:index")):
        page = editor_client.get(url).text
        assert "1 scheduled story is overdue" in page, url
        assert "The sweep is not running" in page
        assert "Stuck in the queue" in page


def test_no_overdue_warning_while_the_sweep_keeps_up(editor_client, make):
    make.article(status=S.SCHEDULED, published_at=timezone.now() - timedelta(minutes=1))
    assert "overdue" not in editor_client.get(CHANGELIST_URL).text


# The editorial calendar --------------------------------------------------------------------


@pytest.fixture
def week(make):
    """Stories around Wednesday 2 December 2026 (a Wednesday), at 10:00 London time."""
    monday = timezone.make_aware(timezone.datetime(2026, 11, 30, 10, 0))
    with time_machine.travel(monday - timedelta(days=1), tick=False):
        stories = {
            "scheduled": make.article(
                headline="Budget day", status=S.SCHEDULED, published_at=monday + timedelta(days=2)
            ),
            "published": make.article(headline="Monday news", published_at=monday),
            "draft": make.article(
                headline="Planned feature",
                status=S.DRAFT,
                planned_on=(monday + timedelta(days=4)).date(),
            ),
            "review": make.article(
                headline="Awaiting review",
                status=S.IN_REVIEW,
                planned_on=(monday + timedelta(days=1)).date(),
            ),
            "unplanned": make.article(headline="No date yet", status=S.DRAFT),
            "next week": make.article(
                headline="Far ahead", status=S.SCHEDULED, published_at=monday + timedelta(days=8)
            ),
        }
    return monday, stories


def day_cell(page, day):
    match = re.search(rf'data-day="{day}">(.*?)</td>', page, re.DOTALL)
    return match[1] if match else ""


def test_the_week_shows_each_story_on_its_day_coloured_by_state(editor_client, week):
    monday, stories = week
    page = editor_client.get(CALENDAR_URL, {"view": "week", "date": "2026-12-02"}).text
    assert "Editorial calendar: week of 30 November 2026" in page
    assert "Monday news" in day_cell(page, "2026-11-30")
    assert "Awaiting review" in day_cell(page, "2026-12-01")
    wednesday = day_cell(page, "2026-12-02")
    assert "Budget day" in wednesday and 'class="calendar-entry state-scheduled"' in wednesday
    assert "Scheduled, 10:00" in wednesday
    assert "Planned feature" in day_cell(page, "2026-12-04")
    assert "No date yet" not in page and "Far ahead" not in page
    assert change_url(stories["scheduled"]) in wednesday
    assert "calendar.js" in page and "<script>" not in page  # our own file, no inline code


def test_the_month_shows_the_whole_month(editor_client, week):
    page = editor_client.get(CALENDAR_URL, {"view": "month", "date": "2026-12-15"}).text
    assert "Editorial calendar: December 2026" in page
    assert "Budget day" in page and "Far ahead" in day_cell(page, "2026-12-08")
    assert "Monday news" in day_cell(page, "2026-11-30")  # the first week's Monday


@pytest.mark.parametrize("date", ["", "2026-02-31", "²⁰²⁶-01-01", "x" * 10_000, "9999-99-99"])
def test_an_unreadable_calendar_date_shows_this_week(editor_client, date):
    response = editor_client.get(CALENDAR_URL, {"view": "nonsense", "date": date})
    assert response.status_code == 200
    assert "Editorial calendar: week of" in response.text


def test_editors_move_a_scheduled_story_to_another_day_keeping_its_time(
    editor_client, week, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monday, stories = week
    story = stories["scheduled"]
    back = f"{CALENDAR_URL}?view=week&date=2026-12-02"
    with (
        time_machine.travel(monday - timedelta(days=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        page = editor_client.get(back).text
        assert "data-movable" in day_cell(page, "2026-12-02")
        response = editor_client.post(
            reverse("admin:articles_article_reschedule", args=[story.pk]),
            {"day": "2026-12-04", "next": back},
        )
    assert response.status_code == 302 and response.url == back
    story.refresh_from_db()
    assert story.published_at == monday + timedelta(days=4)  # Friday, still 10:00
    move = story.transitions.get()
    assert move.by == editor_client.user and "Moved from 2 December 2026, 10:00" in move.note
    task = DBTaskResult.objects.get(task_path="articles.tasks.go_live")
    assert task.run_after == story.published_at


def test_moving_to_a_day_that_has_passed_is_refused_with_a_reason(editor_client, week):
    monday, stories = week
    with time_machine.travel(monday - timedelta(days=1), tick=False):
        response = editor_client.post(
            reverse("admin:articles_article_reschedule", args=[stories["scheduled"].pk]),
            {"day": "2026-11-01"},
            follow=True,
        )
    assert "was not moved: That time has passed" in response.text
    assert Article.objects.get(pk=stories["scheduled"].pk).published_at == monday + timedelta(
        days=2
    )


@pytest.mark.parametrize("day", ["", "tomorrow", "2026-13-01", "²⁰²⁶-12-01"])
def test_moving_without_a_readable_day_is_refused(editor_client, week, day):
    monday, stories = week
    response = editor_client.post(
        reverse("admin:articles_article_reschedule", args=[stories["scheduled"].pk]),
        {"day": day},
        follow=True,
    )
    assert "Choose a day to move it to." in response.text


def test_only_scheduled_stories_move(editor_client, week):
    monday, stories = week
    response = editor_client.post(
        reverse("admin:articles_article_reschedule", args=[stories["draft"].pk]),
        {"day": "2026-12-03"},
        follow=True,
    )
    assert "only scheduled stories move" in response.text


def test_authors_see_their_own_planned_stories_and_cannot_move_anything(author, make, week):
    monday, stories = week
    own = make.article(
        headline="My plan", status=S.DRAFT, authors=[author.profile], planned_on=monday.date()
    )
    page = author.get(CALENDAR_URL, {"date": "2026-12-02"}).text
    assert own.headline in page
    assert "Budget day" not in page  # not theirs
    assert "data-movable" not in page
    response = author.post(
        reverse("admin:articles_article_reschedule", args=[stories["scheduled"].pk]),
        {"day": "2026-12-04"},
    )
    assert response.status_code == 403


def test_the_calendar_is_for_staff_who_may_see_articles(client, staff_client):
    assert client.get(CALENDAR_URL).status_code == 302  # to the login page
    assert staff_client(["Moderators"]).get(CALENDAR_URL).status_code == 403


def test_the_reschedule_address_answers_only_posts(editor_client, week):
    monday, stories = week
    url = reverse("admin:articles_article_reschedule", args=[stories["scheduled"].pk])
    assert editor_client.get(url).status_code == 405
