"""The image library: uploads through the admin form, validated with clear errors; metadata."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image as PILImage

from articles.models import Image

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:articles_image_add")


def post_upload(client, name, content, content_type="image/jpeg"):
    return client.post(
        ADD_URL,
        {
            "file": make_upload(name, content, content_type),
            "alt_text": "What it shows",
            "caption": "A caption",
            "credit": "Jane Doe",
            "credit_url": "",
        },
    )


def make_upload(name, content, content_type):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type)


def assert_refused(response, words):
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["file"]
    assert any(words in error for error in errors), errors
    assert words in response.text
    assert "What it shows" in response.text  # the typed text is kept
    assert not Image.objects.exists()


def test_an_upload_answers_at_once_and_the_renditions_follow_from_a_task(
    editor_client, make, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_upload(editor_client, "harbour.jpg", make.jpeg_bytes(1600, 900))
    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.width, image.height) == (1600, 900)
    assert image.renditions == []  # the request itself rendered nothing
    # Until the task has run, pages show the original at its own size.
    assert image.fallback == {"url": image.file.url, "width": 1600, "height": 900}
    for callback in callbacks:
        callback()  # the commit enqueues the task (run inline by the test backend)
    image.refresh_from_db()
    assert image.renditions == [320, 640, 960, 1280, 1600]
    assert "320w" in image.webp_srcset and "1600w" in image.jpeg_srcset


def rendition_folders(settings):
    root = settings.MEDIA_ROOT / "renditions"
    return sorted(path.name for path in root.iterdir()) if root.exists() else []


def test_deleting_a_picture_removes_its_file_and_renditions(
    editor_client, make, settings, django_capture_on_commit_callbacks
):
    image = make.image()
    kept = make.image()
    original = settings.MEDIA_ROOT / image.file.name
    assert original.exists()
    url = reverse("admin:articles_image_delete", args=[image.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_client.post(url, {"post": "yes"}).status_code == 302
    assert not original.exists()
    assert rendition_folders(settings) == [kept.rendition_key]
    assert (settings.MEDIA_ROOT / kept.file.name).exists()


def test_inline_pictures_saved_before_their_renditions_get_them_when_the_task_runs(make):
    from articles.models import Article
    from articles.tasks import make_renditions

    image = make.image(renditions=False)
    story = make.article(body=f'<p>Text</p><img src="{image.file.url}" alt="Inline">')
    assert "srcset" not in story.body_html  # only the original, sized, for now
    make_renditions.call(image.pk)
    story = Article.objects.get(pk=story.pk)
    assert "srcset" in story.body_html and "320w" in story.body_html


def test_truncated_jpeg_is_refused_with_a_clear_error(editor_client, make):
    whole = make.jpeg_bytes(800, 600)
    response = post_upload(editor_client, "cut.jpg", whole[: len(whole) // 2])
    assert_refused(response, "damaged or incomplete")


def test_text_file_named_jpg_is_refused(editor_client):
    response = post_upload(editor_client, "notes.jpg", b"Just some text, not a picture.\n" * 20)
    assert_refused(response, "not an image we can read")


def test_pixel_bomb_over_the_configured_limit_is_refused(editor_client, make, settings):
    settings.IMAGE_MAX_PIXELS = 500_000
    response = post_upload(
        editor_client, "big.png", make.jpeg_bytes(1000, 600, fmt="PNG"), "image/png"
    )
    assert_refused(response, "more than the 0.5 megapixels we accept")


def test_huge_dimension_png_is_refused_without_being_decoded(editor_client, make):
    response = post_upload(
        editor_client, "bomb.png", make.png_header_only(30_000, 30_000), "image/png"
    )
    assert_refused(response, "too many pixels")


def test_file_over_the_size_limit_is_refused(editor_client, make, settings):
    settings.IMAGE_MAX_UPLOAD_BYTES = 1_000
    response = post_upload(editor_client, "photo.jpg", make.jpeg_bytes(400, 300))
    assert_refused(response, "the limit is")


def test_unsupported_format_is_refused(editor_client):
    buffer = io.BytesIO()
    PILImage.new("RGB", (50, 50)).save(buffer, "BMP")
    response = post_upload(editor_client, "old.bmp", buffer.getvalue(), "image/bmp")
    assert_refused(response, "Upload a JPEG, PNG, WebP or GIF")


def test_exif_orientation_is_applied_and_location_stripped(make):
    image = make.image(file=make.upload(content=make.jpeg_with_exif(300, 200, orientation=6)))
    assert (image.width, image.height) == (200, 300)  # turned upright
    with image.file.open("rb") as handle, PILImage.open(handle) as stored:
        assert stored.size == (200, 300)
        exif = stored.getexif()
        assert 0x8825 not in exif  # no GPS
        assert not exif.get_ifd(0x8825)
        assert 0x0112 not in exif  # orientation already applied
        assert 0x010F not in exif  # no camera details either
        assert "exif" not in stored.info


def test_image_admin_lists_thumbnails_and_searches_caption_and_credit(editor_client, make):
    make.image(caption="Harbour at dusk", credit="Port Authority")
    make.image(caption="Market day", credit="Jane Doe")
    url = reverse("admin:articles_image_changelist")
    response = editor_client.get(url, {"q": "harbour"})
    assert "Harbour at dusk" in response.text and "Market day" not in response.text
    assert 'class="admin-thumbnail"' in response.text
    response = editor_client.get(url, {"q": "jane"})
    assert "Market day" in response.text and "Harbour at dusk" not in response.text


def test_image_change_page_shows_a_preview_and_body_address(editor_client, make):
    image = make.image()
    response = editor_client.get(reverse("admin:articles_image_change", args=[image.pk]))
    assert 'class="admin-preview"' in response.text
    # The file input always links the file; the address must be in its own read-only row.
    row = re.search(
        r'<div class="form-row field-body_address">.*?<div class="readonly">(.*?)</div>',
        response.text,
        re.DOTALL,
    )
    assert row is not None and row[1].strip() == image.file.url


def test_preview_json_gives_the_thumbnail_for_the_article_form(editor_client, make):
    image = make.image(credit="Agency")
    response = editor_client.get(reverse("admin:articles_image_preview", args=[image.pk]))
    assert response.json()["thumbnail"] == image.thumbnail_url
    assert response.json()["credit"] == "Agency"


def test_truncated_png_is_refused_as_damaged(editor_client, make):
    whole = make.jpeg_bytes(200, 150, fmt="PNG")
    response = post_upload(editor_client, "cut.png", whole[:-20], "image/png")
    assert_refused(response, "damaged or incomplete")


def test_editor_changes_a_pictures_words_without_uploading_it_again(editor_client, make):
    image = make.image(caption="Old caption", credit="Old credit")
    stored = image.file.name
    response = editor_client.post(
        reverse("admin:articles_image_change", args=[image.pk]),
        {"alt_text": "Boats at dusk", "caption": "New caption", "credit": "Jane Doe"},
    )
    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.alt_text, image.caption, image.credit) == (
        "Boats at dusk",
        "New caption",
        "Jane Doe",
    )
    assert image.file.name == stored


def test_a_bad_replacement_file_is_refused_and_the_picture_kept(editor_client, make):
    image = make.image(caption="Old caption")
    stored, renditions = image.file.name, image.renditions
    response = editor_client.post(
        reverse("admin:articles_image_change", args=[image.pk]),
        {
            "file": make_upload("notes.jpg", b"Not a picture at all.\n" * 20, "image/jpeg"),
            "alt_text": "What it shows",
            "caption": "New caption",
        },
    )
    assert response.status_code == 200
    assert "not an image we can read" in response.text
    assert "New caption" in response.text  # the typed text is kept
    image.refresh_from_db()
    assert (image.file.name, image.caption, image.renditions) == (stored, "Old caption", renditions)


def test_a_good_replacement_file_gets_fresh_renditions_and_the_old_ones_go(
    editor_client, make, settings, django_capture_on_commit_callbacks
):
    image = make.image(size=(800, 500))
    old_key = image.rendition_key
    assert rendition_folders(settings) == [old_key]
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:articles_image_change", args=[image.pk]),
            {
                "file": make_upload("wide.png", make.jpeg_bytes(1400, 700, fmt="PNG"), "image/png"),
                "alt_text": "A wider picture",
            },
        )
    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.width, image.height) == (1400, 700)
    assert image.renditions == [320, 640, 960, 1280, 1400]
    assert image.rendition_key != old_key
    assert rendition_folders(settings) == [image.rendition_key]


# Kept addresses ---------------------------------------------------------------------------------


def test_renditions_keep_the_addresses_pages_print(make, client):
    """Pages print srcsets kept with the picture, not asked of the storage per rendition on
    every page (that was a tenth of a list page's time)."""
    picture = make.image(size=(1000, 600))
    picture.refresh_from_db()
    assert picture.sources["widths"] == picture.renditions == [320, 640, 960, 1000]
    assert picture.sources["webp"] == picture.srcset("webp")
    assert picture.sources["jpg"].endswith("/1000.jpg 1000w")
    assert picture.fallback == {
        "url": picture.url_for_width(960),
        "width": 960,
        "height": 576,
    }
    story = make.article(lead_image=picture)
    assert picture.sources["webp"] in client.get(story.get_absolute_url()).text


def test_after_media_url_changes_refreshing_points_pages_at_the_new_addresses(
    make, client, settings
):
    picture = make.image(size=(700, 400))
    story = make.article(lead_image=picture)
    settings.MEDIA_URL = "https://media.example.net/"
    moved = f"https://media.example.net/renditions/{picture.rendition_key}/700.webp 700w"
    assert moved not in client.get(story.get_absolute_url()).text  # the kept addresses
    out = io.StringIO()
    call_command("refresh_picture_sources", stdout=out)
    assert "1 picture(s) refreshed." in out.getvalue()
    assert moved in client.get(story.get_absolute_url()).text
    call_command("refresh_picture_sources", stdout=out)
    assert "0 picture(s) refreshed." in out.getvalue()


def test_a_picture_rendered_before_addresses_were_kept_still_gets_them(make):
    picture = make.image(size=(700, 400))
    Image.objects.filter(pk=picture.pk).update(sources={})
    legacy = Image.objects.get(pk=picture.pk)
    assert legacy.webp_srcset == picture.srcset("webp") and legacy.fallback["width"] == 700
