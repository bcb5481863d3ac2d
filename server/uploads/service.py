"""Store an uploaded image safely.

The bytes are decoded with Pillow (a renamed PDF is not an image), bounded in pixels, turned
upright from their EXIF orientation and re-encoded, so that EXIF, GPS and any trailing payload
are gone. The file gets a random name; the row is written only after the file is on disk, and
the file is removed again if the row cannot be written.
"""

from __future__ import annotations

import io
import logging
import os
import secrets
import warnings
from datetime import datetime
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from server.accounts.models import User
from server.errors import Code, Invalid, Unavailable, UnsupportedMedia
from server.extensions import db
from server.requests.models import Photo
from server.requests.models import url_for_photo as url_for_photo  # photos' one URL

log = logging.getLogger(__name__)

FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}


def store_image(*, owner: User, data: bytes, now: datetime) -> Photo:
    max_pixels = current_app.config["MAX_IMAGE_PIXELS"]
    image = _decode(data, max_pixels)
    content_type, suffix = FORMATS[image.format]
    image = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    if content_type == "image/jpeg":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif content_type == "image/png":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    encoded = out.getvalue()

    folder = Path(current_app.config["UPLOAD_FOLDER"])
    filename = secrets.token_hex(16) + suffix
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / filename).write_bytes(encoded)
    except OSError as exc:
        log.error("upload folder not writable: %s", type(exc).__name__)
        raise Unavailable("图片存储暂不可用，请稍后再试", code=Code.STORAGE_UNAVAILABLE) from None
    photo = Photo(owner_id=owner.id, filename=filename, content_type=content_type,
                  width=image.width, height=image.height, size=len(encoded), created_at=now)
    db.session.add(photo)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        os.unlink(folder / filename)
        raise
    return photo


def _decode(data: bytes, max_pixels: int) -> Image.Image:
    if not data:
        raise Invalid("请上传图片文件", errors={"file": ["empty file"]})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in FORMATS:
                raise UnsupportedMedia("仅支持 JPEG、PNG、WebP 图片")
            if probe.width * probe.height > max_pixels:
                raise Invalid("图片像素过大", code=Code.IMAGE_TOO_MANY_PIXELS, errors={"file": ["too many pixels"]})
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid("图片像素过大", code=Code.IMAGE_TOO_MANY_PIXELS, errors={"file": ["too many pixels"]}) from None
    except UnidentifiedImageError:
        raise UnsupportedMedia("仅支持 JPEG、PNG、WebP 图片") from None
    except (OSError, SyntaxError, ValueError):
        raise UnsupportedMedia("图片已损坏，无法识别") from None
    return image
