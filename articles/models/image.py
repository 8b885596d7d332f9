"""The image library: uploads validated once, renditions made once, served responsively.

Renditions are made in the background (``articles.tasks.schedule_renditions``, a task enqueued
on commit), so an upload answers at once; until they exist pages show the original, with its
width and height. A replaced picture's renditions are removed when the new ones are made; a
deleted picture's files go with ``articles.tasks.schedule_file_removal``.
"""

import contextlib
import errno
import hashlib
import io
import mimetypes
import secrets
import warnings
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

# Widths we render, in pixels; an image never gets a rendition wider than its original.
RENDITION_WIDTHS = (320, 640, 960, 1280, 1920)
RENDITION_FORMATS = (
    ("WEBP", "webp", {"quality": 80}),
    ("JPEG", "jpg", {"quality": 82, "optimize": True, "progressive": True}),
)
ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
# Fixed-ratio crops cut around the focal point, for link previews, structured data and layouts
# that need one shape: (name, width ratio, height ratio), widest first. Each is CROP_WIDTH wide,
# or as wide as the original allows (never enlarged).
CROP_RATIOS = (("16x9", 16, 9), ("4x3", 4, 3), ("1x1", 1, 1))
CROP_WIDTH = 1200


def validate_image_file(uploaded):
    """Refuse anything that is not a whole, reasonably sized picture, with a readable message.

    Checks the declared size, then lets Pillow identify the real format (not the file name),
    checks the pixel count *before* decoding (decompression bombs), then decodes fully so a
    truncated file is caught here rather than when renditions are made (``verify()`` as well:
    a PNG cut short can still decode, but its checksums give it away).

    A file already in storage was judged when it was uploaded and is left alone: editing a
    picture's caption must not re-read the picture (nor fail on limits lowered since).
    """
    if getattr(uploaded, "_committed", False):
        return
    max_bytes = settings.IMAGE_MAX_UPLOAD_BYTES
    if uploaded.size is not None and uploaded.size > max_bytes:
        raise ValidationError(
            "This file is %(size)s MB; the limit is %(limit)s MB.",
            code="too_large",
            params={"size": round(uploaded.size / 1e6, 1), "limit": round(max_bytes / 1e6)},
        )
    uploaded.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; ours is checked below.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            with PILImage.open(uploaded) as picture:
                if picture.format not in ACCEPTED_FORMATS:
                    raise ValidationError(
                        "%(format)s images are not accepted. Upload a JPEG, PNG, WebP or GIF.",
                        code="bad_format",
                        params={"format": picture.format or "This kind of"},
                    )
                width, height = picture.size
                if width * height > settings.IMAGE_MAX_PIXELS:
                    raise ValidationError(
                        "This image is %(w)s × %(h)s pixels, more than the %(limit)s megapixels we "
                        "accept. Scale it down and upload it again.",
                        code="too_many_pixels",
                        params={
                            "w": width,
                            "h": height,
                            "limit": f"{settings.IMAGE_MAX_PIXELS / 1e6:g}",
                        },
                    )
                picture.load()
            uploaded.seek(0)
            with PILImage.open(uploaded) as picture:
                picture.verify()
    except ValidationError:
        raise
    except PILImage.DecompressionBombError as exc:
        raise ValidationError(
            "This image has too many pixels to be processed safely. Scale it down and upload it "
            "again.",
            code="too_many_pixels",
        ) from exc
    except UnidentifiedImageError as exc:
        raise ValidationError(
            "This file is not an image we can read. Upload a JPEG, PNG, WebP or GIF.",
            code="not_an_image",
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            "This image is damaged or incomplete (%(error)s). Upload the file again.",
            code="damaged",
            params={"error": str(exc) or exc.__class__.__name__},
        ) from exc
    finally:
        uploaded.seek(0)


class MediaNotWritable(OSError):
    """The media folder refused a file (full, read-only, missing): nothing was stored."""


def _storage_message(error):
    if getattr(error, "errno", None) in {errno.ENOSPC, errno.EDQUOT}:
        reason = "the media folder is full"
    else:
        reason = "the media folder cannot be written to"
    return (
        f"The picture could not be stored: {reason}. Nothing was saved. Ask whoever runs the "
        "site to fix it, then upload the picture again."
    )


def media_write_problem(uploaded):
    """Why the media folder would refuse ``uploaded`` now, or ``None``: a real write of the same
    bytes beside where it goes, removed at once. The form asks before anything is saved, so a
    full or read-only disk is a form error, not a half-made picture."""
    probe = f"images/.write-check-{secrets.token_hex(8)}"
    stored = None
    try:
        uploaded.seek(0)
        # A copy: saving the upload itself would close it before the model stores it.
        stored = default_storage.save(probe, ContentFile(uploaded.read()))
    except OSError as error:
        return _storage_message(error)
    finally:
        uploaded.seek(0)
        if stored is None:
            _delete_quietly(probe)
    _delete_quietly(stored)
    return None


def _delete_quietly(name):
    with contextlib.suppress(OSError):
        default_storage.delete(name)


def _rendition_folders(prefix):
    """Names of the rendition folders starting with ``prefix`` (one picture's, by its key)."""
    if not default_storage.exists("renditions"):
        return []
    folders, _files = default_storage.listdir("renditions")
    return [folder for folder in folders if folder.startswith(prefix)]


def _delete_folder(path):
    folders, files = default_storage.listdir(path)
    for name in files:
        default_storage.delete(f"{path}/{name}")
    for name in folders:
        _delete_folder(f"{path}/{name}")
    default_storage.delete(path)


def remove_files(file_name, rendition_prefix):
    """Delete a picture's original and every rendition folder whose name starts with
    ``rendition_prefix``; what is already gone is skipped. Returns how many paths went."""
    removed = 0
    if file_name and default_storage.exists(file_name):
        default_storage.delete(file_name)
        removed += 1
    for folder in _rendition_folders(rendition_prefix):
        _delete_folder(f"renditions/{folder}")
        removed += 1
    return removed


def _normalised(picture):
    """Apply EXIF orientation and drop every piece of metadata (location included)."""
    picture = ImageOps.exif_transpose(picture)
    if picture.mode not in ("RGB", "RGBA"):
        picture = picture.convert("RGBA" if "transparency" in picture.info else "RGB")
    clean = PILImage.new(picture.mode, picture.size)
    clean.paste(picture)
    return clean


class ImageQuerySet(models.QuerySet):
    def search(self, query):
        return self.filter(
            models.Q(caption__icontains=query)
            | models.Q(credit__icontains=query)
            | models.Q(alt_text__icontains=query)
        )


class Image(models.Model):
    file = models.ImageField(
        upload_to="images/%Y/%m/",
        width_field="width",
        height_field="height",
        validators=[validate_image_file],
        help_text=(
            "JPEG, PNG, WebP or GIF. Location data is removed and orientation fixed on upload."
        ),
    )
    alt_text = models.CharField(
        max_length=300,
        help_text="What the picture shows, for readers who cannot see it. Required.",
    )
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(
        max_length=200, blank=True, help_text='Shown as "Image source". E.g. "Jane Doe / Agency".'
    )
    credit_url = models.URLField(blank=True)
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    renditions = models.JSONField(
        default=list,
        editable=False,
        help_text="Widths rendered so far; files live under renditions/<key>/.",
    )
    sources = models.JSONField(
        default=dict,
        editable=False,
        help_text="The renditions' addresses as pages print them (srcsets and the plain src), "
        "built once when they are made instead of asked of the storage on every page.",
    )
    focal_x = models.FloatField(
        "focal point (across)",
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Click the picture on the point that must stay in every crop; 0 is the left "
        "edge, 1 the right.",
    )
    focal_y = models.FloatField(
        "focal point (down)",
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="0 is the top edge, 1 the bottom.",
    )
    crops = models.JSONField(
        default=dict,
        editable=False,
        help_text="The fixed-ratio crops made so far: the focal point they were cut around and "
        "each ratio's size.",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="image_focal_point_inside",
                violation_error_message="The focal point must be inside the picture (0 to 1).",
            ),
        ]

    def __str__(self):
        return self.caption or self.alt_text

    def save(self, *args, **kwargs):
        """Strip metadata and fix orientation of a fresh upload before it is stored.

        Only the row's own file and columns are derived here; renditions are a separate step
        (``articles.tasks.schedule_renditions``), called by whoever stored the upload."""
        file = self.file
        if file and not getattr(file, "_committed", True):
            file.seek(0)
            with PILImage.open(file) as picture:
                fmt = picture.format
                clean = _normalised(picture)
            buffer = io.BytesIO()
            save_format = fmt if fmt in ("JPEG", "PNG", "WEBP") else "PNG"
            if save_format == "JPEG" and clean.mode == "RGBA":
                clean = clean.convert("RGB")
            clean.save(buffer, save_format, quality=90)
            name = PurePosixPath(file.name).stem + "." + ACCEPTED_FORMATS[save_format]
            self._store_file(name, ContentFile(buffer.getvalue()))
            self.width, self.height = clean.size
            self.renditions = []
            self.sources = {}
            self.__dict__.pop("_sources", None)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("admin:articles_image_change", args=[self.pk])

    def _store_file(self, name, content):
        """Write the cleaned upload; if the disk refuses it midway, the partial file goes too
        and :class:`MediaNotWritable` says why (the row is not saved either)."""
        storage = self.file.storage
        target = storage.get_available_name(
            self.file.field.generate_filename(self, name), max_length=self.file.field.max_length
        )
        try:
            stored = storage.save(target, content, max_length=self.file.field.max_length)
        except OSError as error:
            _delete_quietly(target)
            raise MediaNotWritable(_storage_message(error)) from error
        setattr(self, self.file.field.attname, stored)  # a stored file now, as FieldFile.save does

    @property
    def rendition_key(self):
        """A folder name that changes when the file does, so caches never serve a stale picture."""
        digest = hashlib.sha1(self.file.name.encode()).hexdigest()[:10]
        return f"{self.pk}-{digest}"

    def _rendition_name(self, width, ext):
        return f"renditions/{self.rendition_key}/{width}.{ext}"

    @property
    def rendition_prefix(self):
        """What every rendition folder of this picture starts with, whatever its file."""
        return f"{self.pk}-"

    def remove_stale_renditions(self):
        """Delete rendition folders of this picture's earlier files (it was replaced)."""
        removed = 0
        for folder in _rendition_folders(self.rendition_prefix):
            if folder != self.rendition_key:
                _delete_folder(f"renditions/{folder}")
                removed += 1
        return removed

    def make_renditions(self):
        """Render every width once, as WebP plus a JPEG fallback, and remember which exist."""
        with self.file.open("rb") as handle, PILImage.open(handle) as source:
            source.load()
            picture = source.convert("RGB")
        self.file.close()
        widths = [w for w in RENDITION_WIDTHS if w < picture.width] + [
            min(picture.width, RENDITION_WIDTHS[-1])
        ]
        widths = sorted(set(widths))
        for width in widths:
            height = round(picture.height * width / picture.width)
            resized = picture.resize((width, height), PILImage.Resampling.LANCZOS)
            for fmt, ext, options in RENDITION_FORMATS:
                buffer = io.BytesIO()
                resized.save(buffer, fmt, **options)
                name = self._rendition_name(width, ext)
                if default_storage.exists(name):
                    default_storage.delete(name)
                default_storage.save(name, ContentFile(buffer.getvalue()))
        self.renditions = widths
        self.__dict__.pop("_sources", None)
        self.sources = self.built_sources()
        type(self).objects.filter(pk=self.pk).update(renditions=widths, sources=self.sources)
        self.make_crops(picture)

    @property
    def focal_point(self):
        return [round(self.focal_x, 4), round(self.focal_y, 4)]

    @property
    def focal_class(self):
        """CSS classes that put the focal point where a layout that crops the picture to a
        shape (``object-fit: cover``) keeps it in frame, to the nearest tenth; none for the
        centre. (Classes, not a ``style`` attribute: the CSP allows no inline style.)"""
        x, y = (round(v * 10) for v in (self.focal_x, self.focal_y))
        return "" if (x, y) == (5, 5) else f"focal-x{x} focal-y{y}"

    def _crop_name(self, ratio):
        x, y = (round(v * 10000) for v in self.focal_point)
        return f"renditions/{self.rendition_key}/crop-{ratio}-{x}-{y}.jpg"

    def crop_box(self, width_ratio, height_ratio, size=None):
        """The largest box of that ratio inside the picture, centred on the focal point as far
        as the edges allow: (left, top, right, bottom) in pixels."""
        width, height = size or (self.width, self.height)
        if width * height_ratio > height * width_ratio:  # wider than the ratio: cut the sides
            box_w, box_h = round(height * width_ratio / height_ratio), height
        else:  # taller: cut top and bottom
            box_w, box_h = width, round(width * height_ratio / width_ratio)
        left = min(max(round(self.focal_x * width - box_w / 2), 0), width - box_w)
        top = min(max(round(self.focal_y * height - box_h / 2), 0), height - box_h)
        return (left, top, left + box_w, top + box_h)

    def make_crops(self, picture=None):
        """Cut each ratio of ``CROP_RATIOS`` around the focal point, once per focal point (the
        files are named by it, so a moved point makes new ones and caches never serve the old).
        ``make_renditions`` calls it; so does the task after an editor moves the point."""
        if picture is None:
            with self.file.open("rb") as handle, PILImage.open(handle) as source:
                source.load()
                picture = source.convert("RGB")
            self.file.close()
        stale = [self._crop_name_from(self.crops, ratio) for ratio, *_ in CROP_RATIOS]
        made = {"focal": self.focal_point}
        for ratio, width_ratio, height_ratio in CROP_RATIOS:
            box = self.crop_box(width_ratio, height_ratio, picture.size)
            out_w = min(CROP_WIDTH, box[2] - box[0])
            out_h = round(out_w * height_ratio / width_ratio)
            cropped = picture.crop(box).resize((out_w, out_h), PILImage.Resampling.LANCZOS)
            buffer = io.BytesIO()
            cropped.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
            name = self._crop_name(ratio)
            if default_storage.exists(name):
                default_storage.delete(name)
            default_storage.save(name, ContentFile(buffer.getvalue()))
            made[ratio] = [out_w, out_h]
        current = {self._crop_name(ratio) for ratio, *_ in CROP_RATIOS}
        for name in stale:
            if name and name not in current and default_storage.exists(name):
                default_storage.delete(name)
        self.crops = made
        type(self).objects.filter(pk=self.pk).update(crops=made)

    def _crop_name_from(self, crops, ratio):
        """The file of an earlier crop (``crops`` as stored), to remove once replaced."""
        if not crops or "focal" not in crops or ratio not in crops:
            return None
        x, y = (round(v * 10000) for v in crops["focal"])
        return f"renditions/{self.rendition_key}/crop-{ratio}-{x}-{y}.jpg"

    @property
    def has_current_crops(self):
        return bool(self.crops) and self.crops.get("focal") == self.focal_point

    def crops_for_sharing(self):
        """The crops for the current focal point, widest ratio first, each as ``url``,
        ``width``, ``height``, ``ratio``; none until they are made (pages then use the whole
        picture)."""
        if not self.has_current_crops:
            return []
        return [
            {
                "url": default_storage.url(self._crop_name(ratio)),
                "width": self.crops[ratio][0],
                "height": self.crops[ratio][1],
                "ratio": ratio,
            }
            for ratio, *_ in CROP_RATIOS
            if ratio in self.crops
        ]

    def crop(self, ratio):
        """One crop (``"16x9"``, ``"4x3"``, ``"1x1"``) for a layout that needs that shape, or
        None until it is made."""
        return next((c for c in self.crops_for_sharing() if c["ratio"] == ratio), None)

    # Presentation ------------------------------------------------------------------------------

    @cached_property
    def aspect_ratio(self):
        return (self.height / self.width) if self.width else 0.5625

    def srcset(self, ext):
        return ", ".join(
            f"{default_storage.url(self._rendition_name(w, ext))} {w}w" for w in self.renditions
        )

    def built_sources(self):
        """The renditions' addresses, asked of the storage: what ``sources`` keeps, for the
        file and widths they were built for. (``manage.py refresh_picture_sources`` builds
        them again after ``MEDIA_URL`` or the storage changes.)"""
        if not self.renditions:
            return {}
        width = min(self.renditions, key=lambda w: abs(w - 960))
        return {
            "file": self.file.name,
            "widths": list(self.renditions),
            "webp": self.srcset("webp"),
            "jpg": self.srcset("jpg"),
            "fallback": {
                "url": default_storage.url(self._rendition_name(width, "jpg")),
                "width": width,
                "height": round(width * self.aspect_ratio),
            },
        }

    @cached_property
    def _sources(self):
        """``sources`` when they are this file's and these widths', else built now (a picture
        rendered before they were kept)."""
        kept = self.sources or {}
        if kept.get("file") == self.file.name and kept.get("widths") == self.renditions:
            return kept
        return self.built_sources()

    @property
    def webp_srcset(self):
        return self._sources.get("webp", "")

    @property
    def jpeg_srcset(self):
        return self._sources.get("jpg", "")

    @property
    def fallback(self):
        """The JPEG rendition nearest 960 px wide, for the plain ``src``."""
        if not self.renditions:
            return {"url": self.file.url, "width": self.width, "height": self.height}
        return self._sources["fallback"]

    def url_for_width(self, width, ext="jpg"):
        """The smallest rendition at least ``width`` wide (Open Graph, emails, thumbnails)."""
        if not self.renditions:
            return self.file.url
        chosen = next((w for w in self.renditions if w >= width), self.renditions[-1])
        return default_storage.url(self._rendition_name(chosen, ext))

    def rendition(self, width):
        """The smallest JPEG rendition at least ``width`` wide (else the widest; the original
        until renditions exist): its ``url``, ``width`` and ``height`` in pixels, ``length`` in
        bytes and MIME ``type``, for feeds and link previews."""
        if self.renditions:
            chosen = next((w for w in self.renditions if w >= width), self.renditions[-1])
            name = self._rendition_name(chosen, "jpg")
            size = (chosen, round(chosen * self.aspect_ratio))
        else:
            name, size = self.file.name, (self.width, self.height)
        try:
            length = default_storage.size(name)
        except OSError:  # not there (yet): the size is a hint, the address is what matters
            length = 0
        return {
            "url": default_storage.url(name),
            "width": size[0],
            "height": size[1],
            "length": length,
            "type": mimetypes.guess_type(name)[0] or "image/jpeg",
        }

    @property
    def thumbnail_url(self):
        return self.url_for_width(320)
