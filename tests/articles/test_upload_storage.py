"""A media folder that refuses files (full, not writable): the upload form says so, and nothing
is half-saved (no row, no partial file)."""

import os
import subprocess

import pytest
from django.urls import reverse
from PIL import Image as PILImage

from articles.models import Image
from articles.models.image import MediaNotWritable
from tests.factories import upload

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:articles_image_add")


def noisy_jpeg(width=600, height=400):
    """A JPEG that does not compress away: a few hundred kilobytes of noise."""
    import io

    buffer = io.BytesIO()
    PILImage.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(
        buffer, "JPEG", quality=95
    )
    return buffer.getvalue()


def post_upload(client, content):
    return client.post(
        ADD_URL,
        {
            "file": upload("photo.jpg", content),
            "alt_text": "What it shows",
            "caption": "",
            "credit": "",
            "credit_url": "",
        },
    )


def files_under(folder):
    return [path for path in folder.rglob("*") if path.is_file()]


@pytest.fixture
def full_disk(settings, tmp_path):
    """MEDIA_ROOT on a real 64 KiB file system (tmpfs), so writes fail with ENOSPC."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    folder = tmp_path / "small-disk"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], check=True)
    settings.MEDIA_ROOT = folder
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_an_unwritable_media_folder_is_a_form_error(editor_client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocker / "media"
    response = post_upload(editor_client, noisy_jpeg(100, 80))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["file"]
    assert any("cannot be written to" in error for error in errors), errors
    assert "Nothing was saved" in response.text
    assert "What it shows" in response.text  # the typed text is kept
    assert not Image.objects.exists()


def test_a_full_disk_is_a_form_error_and_leaves_no_file(editor_client, full_disk):
    response = post_upload(editor_client, noisy_jpeg())
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["file"]
    assert any("the media folder is full" in error for error in errors), errors
    assert not Image.objects.exists()
    assert files_under(full_disk) == []


def test_a_disk_that_fills_up_while_saving_leaves_no_row_and_no_partial_file(full_disk):
    picture = Image(file=upload("photo.jpg", noisy_jpeg()), alt_text="What it shows")
    with pytest.raises(MediaNotWritable, match="full"):
        picture.save()
    assert not Image.objects.exists()
    assert files_under(full_disk) == []


def test_a_normal_upload_leaves_no_write_check_behind(editor_client, settings):
    response = post_upload(editor_client, noisy_jpeg(100, 80))
    assert response.status_code == 302
    assert Image.objects.count() == 1
    names = [path.name for path in files_under(settings.MEDIA_ROOT)]
    assert not [name for name in names if "write-check" in name], names
