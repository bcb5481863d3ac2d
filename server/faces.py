"""The faces of the product: the mini-program API, the docs, media, and (in development) the
bundled fake WeChat mounted on the same server under ``/__wechat__``."""

from __future__ import annotations

import logging

from flask import Flask, render_template, send_from_directory
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from server.discovery import contributions
from server.http import Api, NoSessions, register_error_handlers


def init_app(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Huying 呼应 API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                }
            },
            "info": {
                "description": "The contract between the Huying mini-program and its backend. "
                "Every JSON response is an envelope {code, msg, data}; errors carry a stable "
                "non-zero code and the real HTTP status."
            },
        },
    )
    app.session_interface = NoSessions()
    api = Api(app)
    app.extensions["api"] = api
    register_error_handlers(app)

    import mini_program_api

    mini_program_api.register(api)
    for blueprint in contributions("web", "blp"):
        app.register_blueprint(blueprint)

    @app.get("/api/v1/docs")
    def api_docs():
        """A browsable page of the OpenAPI document, rendered on the server (works offline)."""
        return render_template("api_docs.html", spec=api.spec.to_dict())

    @app.get("/media/<path:filename>")
    def media(filename: str):
        """Uploaded images, re-encoded without metadata, under unguessable names."""
        return send_from_directory(app.config["UPLOAD_FOLDER"], filename, max_age=86400)

    if app.config.get("WECHAT_FAKE") and app.config.get("ENV_NAME") != "production":
        from server.wechat.fake import create_fake_wechat

        fake = create_fake_wechat(appid=app.config["WECHAT_APPID"])
        app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/__wechat__": fake.wsgi_app})
        # The dev server's access log would print the fake's query strings (codes, secret).
        logging.getLogger("werkzeug").addFilter(_HideFakeWeChat())


class _HideFakeWeChat(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "/__wechat__" not in record.getMessage()
