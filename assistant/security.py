"""Security headers on every response, hardened cookies, and the client's address behind a proxy.

Headers. Every response gets `X-Content-Type-Options: nosniff`,
`X-Frame-Options: DENY`, `Referrer-Policy`, a `Cross-Origin-Resource-Policy`
and a Content-Security-Policy chosen by what the response is (the table
`POLICIES`); a header a blueprint already set is left alone, so the dashboard
keeps its own policy. Nothing of this service is meant to be framed: the chat
widget is a script that draws into a shadow root of the host page, not an
iframe, so `frame-ancestors 'none'` holds everywhere.

- JSON, scripts and everything else that is not a page: `default-src 'none'`
  (a JSON answer opened in a browser can load nothing and run nothing).
  `/widget.js` is the one response other sites load, so it alone is
  `Cross-Origin-Resource-Policy: cross-origin`; the chat API answers other
  sites through CORS (`chat.py`), which CORP does not restrict.
- `/demo`: the widget script from this origin (`script-src 'self'`), its calls
  to the chat API (`connect-src 'self'`), and styles from this origin or
  inline: the page has an inline `<style>`, and the widget injects its own
  `<style>` into its shadow root, which CSP treats as inline. Only styles are
  let inline; scripts never are.
- Other pages (error pages; the dashboard sets a stricter one of its own): no
  script at all, inline styles, forms to this origin only.

`Strict-Transport-Security` is sent when the request came over https (as the
browser saw it: behind a proxy that ends TLS that takes
`QUALIFIER_TRUSTED_PROXIES`). JSON under `/api/` is `Cache-Control: no-store`
(it holds personal data) unless a view chose otherwise.

Cookies. The only cookie is the dashboard's session (`auth.py` marks it
HttpOnly, SameSite=Lax, Secure outside debug and tests). As a second line,
every `Set-Cookie` leaving the app (a WSGI middleware, because Flask writes
the session cookie after the `after_request` hooks) is given `HttpOnly` and
`SameSite=Lax` if it lacks them, and `Secure` when the request came over https.

Proxies. With `QUALIFIER_TRUSTED_PROXIES=N`, Werkzeug's `ProxyFix` takes the
client address, scheme and host from the `X-Forwarded-*` headers the N
proxies in front set; without it those headers are ignored (anyone could send
them), and behind a proxy every client then shares the proxy's address for
rate limiting (`limits.py`).

Hand-written rather than Flask-Talisman: Talisman sets one policy for the
whole app, or a policy per view through decorators on views that other modules
own; choosing per response here is a dozen lines and keeps the headers a
blueprint set itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from flask import request

if TYPE_CHECKING:
    from flask import Flask, Response

NO_CONTENT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
PAGE_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DEMO_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
# Endpoint -> Content-Security-Policy for pages that need more than PAGE_POLICY.
POLICIES: Mapping[str, str] = {"chat.demo": DEMO_POLICY}
# Endpoints other sites load directly (not through CORS).
CROSS_ORIGIN_ENDPOINTS = frozenset({"chat.widget"})
HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
COMMON_HEADERS: Mapping[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def init_app(app: Flask) -> None:
    settings = app.extensions["qualifier"].settings
    # Cookies are hardened as they leave, after Flask has saved the session (it does so after
    # `after_request`); the proxy fix wraps that, so the scheme seen is the browser's.
    app.wsgi_app = _HardenCookies(app.wsgi_app)  # type: ignore[method-assign]
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.after_request(_headers)


def content_policy(endpoint: str | None, mimetype: str) -> str:
    """The Content-Security-Policy for a response of this endpoint and type."""
    if endpoint in POLICIES:
        return POLICIES[endpoint]
    return PAGE_POLICY if mimetype == "text/html" else NO_CONTENT_POLICY


def _headers(response: Response) -> Response:
    headers = response.headers
    endpoint = request.endpoint
    is_page = response.mimetype == "text/html"
    headers.setdefault("Content-Security-Policy", content_policy(endpoint, response.mimetype))
    for name, value in COMMON_HEADERS.items():
        headers.setdefault(name, value)
    headers.setdefault(
        "Cross-Origin-Resource-Policy",
        "cross-origin" if endpoint in CROSS_ORIGIN_ENDPOINTS else "same-origin",
    )
    if is_page:
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if request.path.startswith("/api/") and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


class _HardenCookies:
    """WSGI middleware: every `Set-Cookie` leaves with HttpOnly, SameSite and (over https) Secure."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        secure = environ.get("wsgi.url_scheme") == "https"

        def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            hardened = [
                (name, harden_cookie(value, secure) if name.lower() == "set-cookie" else value)
                for name, value in headers
            ]
            return start_response(status, hardened, *exc_info)

        return self.wsgi_app(environ, start)


def harden_cookie(set_cookie: str, secure: bool) -> str:
    """A `Set-Cookie` value with HttpOnly, SameSite (Lax) and, when `secure`, Secure added if missing."""
    attributes = {part.strip().split("=", 1)[0].lower() for part in set_cookie.split(";")[1:]}
    added = []
    if "httponly" not in attributes:
        added.append("HttpOnly")
    if "samesite" not in attributes:
        added.append("SameSite=Lax")
    if secure and "secure" not in attributes:
        added.append("Secure")
    return "; ".join([set_cookie, *added]) if added else set_cookie
