"""The publishing workflow in a real browser: an Author submits a story, an Editor schedules it
for a minute ahead, the worker publishes it and it appears on the home page. The worker runs as a
real process whose clock is moved forward (time-machine), so the test does not wait a minute."""

import math
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def log_in(browser, site, username):
    context = browser.new_context()
    page = context.new_page()
    page.goto(site.url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    return page


def worker_at(db_worker, seconds_ahead):
    """Run the real database-queue worker once (``db_worker --batch``) with its clock moved
    ``seconds_ahead`` seconds forward."""
    db_worker.command = [
        "shell",
        "-c",
        "import time_machine, datetime\n"
        "from django.core.management import call_command\n"
        f"with time_machine.travel(datetime.timedelta(seconds={seconds_ahead})):\n"
        "    call_command('db_worker', batch=True, startup_delay=False, reload=False)\n",
    ]
    return db_worker.drain()


def test_author_submits_editor_schedules_the_worker_publishes_readers_see_it(
    browser, site, make, db_worker, artifacts
):
    author = make.staff(["Authors"], username="author", password=PASSWORD)
    make.author(name="Ada Author", user=author)
    make.staff(["Editors"], username="editor", password=PASSWORD)
    make.section(name="City", slug="city")
    make.article(headline="An older story")  # the home page has something to show already
    problems = []

    # The Author writes a draft and submits it.
    page = log_in(browser, site, "author")
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(site.url + "/admin/articles/article/add/")
    page.locator("#id_headline").press_sequentially("Night buses return")
    editor = page.locator(".prose-editor .tiptap")
    editor.click()
    page.keyboard.type("The night routes run again from Friday.")
    page.locator("#id_section + .select2").click()
    page.locator(".select2-results__option", has_text="City").click()
    expect(page.get_by_role("button", name="Publish now")).to_have_count(0)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("is now In review")
    expect(page.locator(".state-badge")).to_have_text("In review")
    story = Article.objects.get(headline="Night buses return")

    # The Editor schedules it for the next whole minute at least a minute ahead.
    page = log_in(browser, site, "editor")
    page.goto(site.url + f"/admin/articles/article/{story.pk}/change/")
    now = timezone.localtime()
    when = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if when - now < timedelta(minutes=1):
        when += timedelta(minutes=1)
    page.fill("#id_go_live_at", when.strftime("%Y-%m-%dT%H:%M"))
    page.screenshot(path=artifacts / "admin-workflow-panel.png", full_page=True)
    page.get_by_role("button", name="Approve and schedule…").click()
    expect(page.locator(".messagelist")).to_contain_text("Scheduled:")
    expect(page.locator(".state-badge")).to_have_text("Scheduled")
    story.refresh_from_db()
    assert story.status == Article.Status.SCHEDULED and story.published_at == when

    # Readers do not see it yet, and a worker running now leaves it for its time.
    reader = browser.new_context().new_page()
    reader.goto(site.url + "/")
    expect(reader.locator("main")).not_to_contain_text("Night buses return")
    worker_at(db_worker, 0)
    assert Article.objects.get(pk=story.pk).status == Article.Status.SCHEDULED

    # The worker, at the story's time: it goes live and is on the home page.
    worker_at(db_worker, math.ceil((when - timezone.now()).total_seconds()) + 1)
    story.refresh_from_db()
    assert story.status == Article.Status.PUBLISHED
    assert story.transitions.filter(action="go_live", by=None).exists()
    # The site's clock moves on to the story's time too (the server runs in this process).
    with time_machine.travel(when + timedelta(seconds=1)):
        reader.goto(site.url + "/")
        expect(reader.locator("main")).to_contain_text("Night buses return")
        reader.get_by_role("link", name="Night buses return").first.click()
        expect(reader.locator(".article__body")).to_contain_text("The night routes run again")
    assert problems == []


def test_editor_drags_a_scheduled_story_to_another_day_on_the_calendar(browser, site, make):
    make.staff(["Editors"], username="editor", password=PASSWORD)
    today = timezone.localdate()
    day = next(
        today + timedelta(days=k) for k in range(1, 8) if (today + timedelta(days=k)).weekday() <= 4
    )
    target = day + timedelta(days=1)  # the same week, still to come
    when = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    story = make.article(
        headline="Budget day",
        status=Article.Status.SCHEDULED,
        published_at=when + timedelta(hours=9),
    )
    page = log_in(browser, site, "editor")
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(site.url + f"/admin/articles/article/calendar/?view=week&date={day.isoformat()}")
    entry = page.locator(f'td[data-day="{day.isoformat()}"] .calendar-entry', has_text="Budget day")
    expect(entry).to_have_attribute("draggable", "true")
    entry.drag_to(page.locator(f'td[data-day="{target.isoformat()}"]'))
    expect(page.locator(".messagelist")).to_contain_text("now goes live on")
    expect(page.locator(f'td[data-day="{target.isoformat()}"]')).to_contain_text("Budget day")
    story.refresh_from_db()
    assert timezone.localtime(story.published_at).date() == target
    assert timezone.localtime(story.published_at).hour == 9
    assert problems == []  # no CSP refusal, no script error

    # Without JavaScript, the "Move…" form does the same.
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(site.url + "/admin/login/")
    plain.fill("#id_username", "editor")
    plain.fill("#id_password", PASSWORD)
    plain.click("input[type=submit]")
    plain.goto(site.url + f"/admin/articles/article/calendar/?view=week&date={day.isoformat()}")
    cell = plain.locator(f'td[data-day="{target.isoformat()}"]')
    cell.locator("summary", has_text="Move…").click()
    cell.locator('input[name="day"]').fill(day.isoformat())
    cell.get_by_role("button", name="Move").click()
    expect(plain.locator(".messagelist")).to_contain_text("now goes live on")
    story.refresh_from_db()
    assert timezone.localtime(story.published_at).date() == day
