"""Uploads: only real images, re-encoded without EXIF/GPS, bounded, under random names."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from server.extensions import db
from server.requests.models import Photo
from tests.factories import image_bytes


def _post(api, data: bytes, filename="photo.jpg", field="file"):
    return api.call("POST", "/api/v1/uploads", data={field: (io.BytesIO(data), filename)},
                    content_type="multipart/form-data")


def _exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)}
    exif[0x8825] = gps
    return exif.tobytes()


def _photos() -> int:
    return db.session.scalar(select(func.count()).select_from(Photo))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_real_images_are_stored_and_served(world, app, fmt):
    api = world.as_("demo-resident")
    response = _post(api, image_bytes(fmt), filename=f"x.{fmt.lower()}")
    assert response.status == 201, response.body
    url = response.data["url"]
    name = url.rsplit("/", 1)[-1]
    assert len(name.split(".")[0]) == 32 and "x." not in name  # random, not the client's name
    with world.client.get(url) as served:
        assert served.status_code == 200
        assert Image.open(io.BytesIO(served.data)).format == fmt


def test_exif_and_gps_are_stripped(world, app):
    original = image_bytes("JPEG", exif=_exif_with_gps())
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)  # the test image has GPS
    response = _post(world.as_("demo-resident"), original)
    stored = Path(app.config["UPLOAD_FOLDER"]) / response.data["url"].rsplit("/", 1)[-1]
    with Image.open(stored) as reopened:
        assert dict(reopened.getexif()) == {}
    assert b"PhoneMaker" not in stored.read_bytes()


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4 not an image at all", b"GIF89a" + b"\0" * 100, b"\xff\xd8\xff\xe0broken-jpeg"],
)
def test_things_that_are_not_supported_images_are_415(world, data):
    response = _post(world.as_("demo-resident"), data)
    assert response.status == 415 and response.code == 41500
    assert _photos() == 0


def test_missing_or_empty_file_is_422(world):
    api = world.as_("demo-resident")
    assert _post(api, image_bytes(), field="other").status == 422
    assert _post(api, b"").status == 422
    assert _photos() == 0


def test_too_large_is_413(world, app):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    try:
        response = _post(world.as_("demo-resident"), image_bytes("PNG", size=(400, 400)) + os.urandom(4096))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 10 * 1024 * 1024
    assert response.status == 413 and response.code == 41300
    assert _photos() == 0


def test_too_many_pixels_is_422(world, app):
    app.config["MAX_IMAGE_PIXELS"] = 100 * 100
    try:
        response = _post(world.as_("demo-resident"), image_bytes("PNG", size=(101, 100)))
    finally:
        app.config["MAX_IMAGE_PIXELS"] = 40_000_000
    assert response.status == 422 and response.code == 42202


def test_unwritable_folder_is_a_clear_error_and_no_row(world, app, tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    previous = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(blocked / "uploads")
    try:
        response = _post(world.as_("demo-resident"), image_bytes())
    finally:
        app.config["UPLOAD_FOLDER"] = previous
    assert response.status == 503 and response.code == 50302
    assert _photos() == 0


def test_login_required(client):
    from tests.factories import Api

    assert _post(Api(client), image_bytes()).status == 401


def test_someone_elses_photo_cannot_be_attached(world):
    photo = _post(world.as_("demo-resident-2"), image_bytes()).data["id"]
    response = world.as_("demo-resident").post(
        "/api/v1/requests",
        {"category_code": "sanitation", "description": "井盖松动有危险", "section_id": world.section.id,
         "photo_ids": [photo]},
    )
    assert response.status == 422 and "photo_ids" in response.body["errors"]
