"""Focal points and the 16:9, 4:3 and 1:1 crops cut around them: ratios, sizes, where the cut
falls, made once per point, and used by link previews and structured data."""

import io
import json

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from lxml import html
from PIL import Image as PILImage

from articles.models import Image
from articles.tasks import make_crops

pytestmark = pytest.mark.django_db

RED, GREEN, BLUE = (220, 0, 0), (0, 200, 0), (0, 0, 220)


def three_bands(width=2400, height=1600):
    """A picture in three vertical bands, red, green and blue, to see where a crop was cut."""
    picture = PILImage.new("RGB", (width, height), GREEN)
    picture.paste(RED, (0, 0, width // 3, height))
    picture.paste(BLUE, (2 * width // 3, 0, width, height))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def opened(crop):
    path = crop["url"].removeprefix("/media/")
    with default_storage.open(path) as handle, PILImage.open(handle) as picture:
        picture.load()
        return picture.convert("RGB")


def near(colour, expected):
    return all(abs(a - b) < 40 for a, b in zip(colour, expected, strict=True))


def test_a_new_picture_focuses_on_its_centre(make):
    image = make.image(renditions=False)
    assert (image.focal_x, image.focal_y) == (0.5, 0.5)
    assert image.crops_for_sharing() == []


def test_renditions_bring_three_crops_of_exact_ratio_at_1200_pixels(make):
    image = make.image(size=(2400, 1600))
    crops = {crop["ratio"]: crop for crop in image.crops_for_sharing()}
    assert list(crops) == ["16x9", "4x3", "1x1"]
    expected = {"16x9": (1200, 675), "4x3": (1200, 900), "1x1": (1200, 1200)}
    for ratio, size in expected.items():
        assert (crops[ratio]["width"], crops[ratio]["height"]) == size
        assert opened(crops[ratio]).size == size  # the file is what the row says


def test_a_small_original_is_cropped_but_never_enlarged(make):
    image = make.image(size=(800, 500))
    crops = {crop["ratio"]: crop for crop in image.crops_for_sharing()}
    assert (crops["16x9"]["width"], crops["16x9"]["height"]) == (800, 450)
    assert (crops["4x3"]["width"], crops["4x3"]["height"]) == (667, 500)
    assert (crops["1x1"]["width"], crops["1x1"]["height"]) == (500, 500)
    for crop in crops.values():
        assert opened(crop).size == (crop["width"], crop["height"])


def test_crop_box_follows_the_focal_point_and_stops_at_the_edges():
    image = Image(width=2400, height=1600, focal_x=0.5, focal_y=0.5)
    assert image.crop_box(1, 1) == (400, 0, 2000, 1600)
    image.focal_x = 0.0
    assert image.crop_box(1, 1) == (0, 0, 1600, 1600)
    image.focal_x = 0.9
    assert image.crop_box(1, 1) == (800, 0, 2400, 1600)
    image.focal_x, image.focal_y = 0.5, 0.0
    assert image.crop_box(16, 9) == (0, 0, 2400, 1350)
    image.focal_y = 1.0
    assert image.crop_box(16, 9) == (0, 250, 2400, 1600)


@pytest.mark.parametrize(
    "focal_x, left, right", [(0.0, RED, GREEN), (0.5, RED, BLUE), (1.0, GREEN, BLUE)]
)
def test_the_square_crop_is_cut_around_the_focal_point(make, focal_x, left, right):
    image = make.image(renditions=False, file=make.upload("bands.png", three_bands(), "image/png"))
    image.focal_x = focal_x
    image.save()
    image.make_renditions()
    square = opened(image.crop("1x1"))
    assert near(square.getpixel((5, 600)), left)
    assert near(square.getpixel((1194, 600)), right)


def test_moving_the_focal_point_makes_new_crops_once_and_removes_the_old(make):
    image = make.image(size=(2400, 1600))
    old = [crop["url"] for crop in image.crops_for_sharing()]
    image.focal_x = 0.1
    image.save()
    assert image.crops_for_sharing() == []  # stale: pages use the whole picture meanwhile
    assert make_crops.enqueue(image.pk).return_value == 3
    image.refresh_from_db()
    new = [crop["url"] for crop in image.crops_for_sharing()]
    assert len(new) == 3 and not set(new) & set(old)
    assert not any(default_storage.exists(url.removeprefix("/media/")) for url in old)
    assert all(default_storage.exists(url.removeprefix("/media/")) for url in new)
    # Made once: running the task again for the same point changes nothing.
    assert make_crops.enqueue(image.pk).return_value == 3
    image.refresh_from_db()
    assert [crop["url"] for crop in image.crops_for_sharing()] == new


def test_link_previews_and_structured_data_use_the_crops(client, make, settings):
    settings.SITE_URL = "https://news.example"
    image = make.image(size=(2400, 1600), credit="Jo / Agency")
    story = make.article(lead_image=image)
    tree = html.fromstring(client.get(story.get_absolute_url()).content)
    og = {m.get("property"): m.get("content") for m in tree.iter("meta") if m.get("property")}
    sixteen_nine = image.crop("16x9")
    assert og["og:image"] == "https://news.example" + sixteen_nine["url"]
    assert (og["og:image:width"], og["og:image:height"]) == ("1200", "675")
    [block] = [s.text for s in tree.iter("script") if s.get("type") == "application/ld+json"]
    article = json.loads(block)["@graph"][0]
    sizes = [(i["width"], i["height"]) for i in article["image"]]
    assert sizes == [(1200, 675), (1200, 900), (1200, 1200)]
    assert all(
        i["url"].startswith("https://news.example/media/renditions/") for i in article["image"]
    )


def test_editors_set_the_focal_point_in_the_admin(
    editor_client, make, django_capture_on_commit_callbacks
):
    image = make.image(size=(1600, 900))
    url = reverse("admin:articles_image_change", args=[image.pk])
    page = editor_client.get(url).text
    assert 'class="focal-picker"' in page and "articles/focal_point.js" in page
    assert 'name="focal_x"' in page and 'name="focal_y"' in page  # typing works without a script
    fields = {"alt_text": image.alt_text, "caption": image.caption, "credit": image.credit}
    with django_capture_on_commit_callbacks() as callbacks:
        response = editor_client.post(url, {**fields, "focal_x": "0.2", "focal_y": "0.75"})
    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == (0.2, 0.75)
    assert not image.has_current_crops  # the request itself cut nothing
    for callback in callbacks:
        callback()  # the commit enqueues the crop task (run inline by the test backend)
    image.refresh_from_db()
    assert image.has_current_crops
    assert image.crops["focal"] == [0.2, 0.75]


@pytest.mark.parametrize("value", ["1.5", "-0.1", "abc", "NaN", "1e309"])
def test_a_focal_point_outside_the_picture_is_refused_with_a_message(editor_client, make, value):
    image = make.image(size=(1600, 900))
    url = reverse("admin:articles_image_change", args=[image.pk])
    fields = {"alt_text": image.alt_text, "caption": image.caption, "credit": image.credit}
    response = editor_client.post(url, {**fields, "focal_x": value, "focal_y": "0.5"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["focal_x"]
    image.refresh_from_db()
    assert image.focal_x == 0.5


def test_the_focal_point_frames_a_picture_a_layout_crops(make):
    assert make.image(focal_x=0.5, focal_y=0.5).focal_class == ""  # the centre: nothing to say
    assert make.image(focal_x=0.04, focal_y=0.96).focal_class == "focal-x0 focal-y10"
    assert make.image(focal_x=0.26, focal_y=0.74).focal_class == "focal-x3 focal-y7"
