"""The focal point picker in a real browser, under the site's strict CSP: a click on the picture
fills the two numbers, the ring shows the point, and saving cuts the crops around it."""

import pytest
from playwright.sync_api import expect

from articles.models import Image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_an_editor_clicks_the_picture_to_set_its_focal_point(page, site, make):
    make.staff(["Editors"], username="editor", password=PASSWORD)
    image = make.image(size=(1600, 900), caption="Harbour at dawn")
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    # Script errors and CSP refusals reach the console (the browser's own /favicon.ico is not
    # ours to answer here).
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text
            else None
        ),
    )
    page.goto(site.url + "/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(site.url + f"/admin/articles/image/{image.pk}/change/")

    picture = page.locator(".focal-picker img")
    expect(picture).to_be_visible()
    marker = page.locator(".focal-picker__marker")
    expect(marker).to_be_visible()  # the script runs (CSP allows it) and shows the centre
    box = picture.bounding_box()
    picture.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.75})
    expect(page.locator("#id_focal_x")).to_have_value("0.25")
    expect(page.locator("#id_focal_y")).to_have_value("0.75")
    marker_box = marker.bounding_box()
    centre_x = marker_box["x"] + marker_box["width"] / 2 - box["x"]
    assert abs(centre_x / box["width"] - 0.25) < 0.02
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    assert not problems, problems

    image = Image.objects.get(pk=image.pk)
    assert (image.focal_x, image.focal_y) == (0.25, 0.75)
    assert image.has_current_crops  # the crop task ran once the change committed


def test_a_teaser_keeps_the_focal_point_in_frame(page, site, make):
    """Teasers cut every picture to 16:9 (object-fit: cover); the editor's point decides which
    part stays, under the strict CSP (classes, no inline style)."""
    tall = make.image(size=(600, 900), focal_x=0.2, focal_y=0.8)
    make.article(headline="A tall picture", lead_image=tall, is_featured=True)
    make.article(headline="The lead", is_featured=True)  # the tall one is a teaser, not the lead
    page.goto(site.url + "/")
    img = page.locator(f'.teaser__image img[alt="{tall.alt_text}"]').first
    expect(img).to_have_class("focal-x2 focal-y8")
    assert img.evaluate("img => getComputedStyle(img).objectPosition") == "20% 80%"
