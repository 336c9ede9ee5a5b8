"""Client mistakes as JSON: one handler maps every error to `{"error": "..."}` and a status.

Blueprints raise `ClientError(status, message)` (or a `forms.FormError`, which
carries its own status); Werkzeug's HTTP errors (unknown URL, wrong method,
body too large) are answered the same way for the API, webhooks and
operations endpoints, and for any client that does not ask for HTML. An
unexpected exception is logged with its traceback and answered with a
generic 500 that leaks nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from werkzeug.exceptions import HTTPException

from forms.errors import FormError

if TYPE_CHECKING:
    from flask import Flask, Response

log = logging.getLogger(__name__)

JSON_PATH_PREFIXES = ("/api/", "/webhooks/", "/healthz", "/readyz", "/metrics")


class ClientError(Exception):
    """A request the client got wrong; `status` is the HTTP answer, `message` says what."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    from flask import jsonify

    response = jsonify(error=message)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _wants_json() -> bool:
    from flask import request

    if request.path.startswith(JSON_PATH_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best != "text/html"


def init_app(app: Flask) -> None:
    @app.errorhandler(ClientError)
    def _client_error(exc: ClientError) -> Response:
        return error_response(exc.status, exc.message, exc.headers)

    @app.errorhandler(FormError)
    def _form_error(exc: FormError) -> Response:
        return error_response(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response | HTTPException:
        if not _wants_json():
            return exc
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        return error_response(exc.code or 500, _describe(exc), headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "internal error; the request was logged")


def _describe(exc: HTTPException) -> str:
    from flask import current_app, request

    if exc.code == 404:
        return f"no such URL: {request.path}"
    if exc.code == 405:
        allowed = ", ".join(sorted(getattr(exc, "valid_methods", None) or ()))
        return f"method {request.method} not allowed here; allowed: {allowed}"
    if exc.code == 413:
        return f"body too large: the limit is {current_app.extensions['qualifier'].settings.max_body_bytes} bytes"
    return exc.description or exc.name
