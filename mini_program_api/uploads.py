"""Image uploads (``wx.uploadFile``, field ``file``)."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask_jwt_extended import current_user

from mini_program_api.schemas.requests import UploadOut
from server import clock
from server.errors import Invalid
from server.http import Blueprint, login_required
from server.uploads.service import store_image

blp = Blueprint("uploads", __name__, url_prefix="/api/v1", description="上传 Uploads")


class UploadIn(ma.Schema):
    file = ma.fields.Raw(metadata={"type": "string", "format": "binary"}, required=True)


@blp.post("/uploads")
@login_required(blp)
@blp.arguments(UploadIn, location="files", unknown=ma.EXCLUDE)
@blp.response(201, UploadOut)
@blp.errors(413, 415, 422)
def upload(files):
    """Store a JPEG, PNG or WebP image, re-encoded without EXIF/GPS; returns its id and URL."""
    storage = files.get("file") or request.files.get("file")
    if storage is None:
        raise Invalid("请上传图片文件", errors={"file": ["missing"]})
    return store_image(owner=current_user, data=storage.read(), now=clock.now())
