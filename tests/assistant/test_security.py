"""Security headers on every kind of response, the CSP the widget and demo need, cookies, proxies."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from assistant import create_app, runtime_of
from assistant.security import harden_cookie
from tests.assistant import samples
from tests.assistant.dashboard_helpers import PASSWORD, make_user, sign_in


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


RESPONSES = [
    pytest.param("GET", "/healthz", {}, 200, "none", id="healthz"),
    pytest.param("GET", "/readyz", {}, 200, "none", id="readyz"),
    pytest.param("GET", "/metrics", {}, 200, "none", id="metrics"),
    pytest.param("GET", "/api/inquiries", {"auth": True}, 200, "none", id="api-list"),
    pytest.param("GET", "/api/inquiries", {}, 401, "none", id="api-unauthorised"),
    pytest.param("POST", "/webhooks/generic", {"json": samples.form()}, 202, "none", id="webhook"),
    pytest.param("POST", "/webhooks/no-such-vendor", {"json": {}}, 404, "none", id="webhook-unknown-source"),
    pytest.param("POST", "/api/chat/sessions", {"json": {"site": "demo"}}, 201, "none", id="chat-api"),
    pytest.param("GET", "/widget.js", {}, 200, "none", id="widget"),
    pytest.param("GET", "/demo", {}, 200, "demo", id="demo-page"),
    pytest.param("GET", "/dashboard/sign-in", {}, 200, "page", id="dashboard-page"),
    pytest.param("GET", "/no/such/page", {"html": True}, 404, "page", id="html-404"),
    pytest.param("GET", "/no/such/page", {}, 404, "none", id="json-404"),
]


@pytest.mark.parametrize(("method", "path", "options", "status", "kind"), RESPONSES)
def test_every_response_carries_the_security_headers(
    client, auth, method, path, options, status, kind
) -> None:
    headers = dict(auth) if options.get("auth") else {}
    if options.get("html"):
        headers["Accept"] = "text/html"
    response = client.open(path, method=method, headers=headers, json=options.get("json"))

    assert response.status_code == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "same-origin")
    csp = directives(response.headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    scripts = csp.get("script-src", [])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    if kind == "none":
        assert set(csp) == {"default-src", "frame-ancestors", "base-uri", "form-action"}
    elif kind == "page":
        assert "script-src" not in csp  # pages other than the demo run no script at all
    assert "Strict-Transport-Security" not in response.headers  # plain http


def test_the_demo_policy_allows_exactly_what_the_widget_uses(client) -> None:
    page = client.get("/demo")
    csp = directives(page.headers["Content-Security-Policy"])
    found = _Elements()
    found.feed(page.get_data(as_text=True))

    # The widget script is loaded from this origin and posts to this origin.
    assert found.script_sources == ["/widget.js"]
    assert csp["script-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"]
    widget = client.get("/widget.js").get_data(as_text=True)
    assert "fetch(api + path" in widget and "new URL(script.src" in widget
    # The page's <style> and the widget's shadow-root <style> are inline styles.
    assert found.inline_styles == 1 and 'createElement("style")' in widget
    assert "'unsafe-inline'" in csp["style-src"]
    # Nothing that the policy forbids: no inline script, no handlers, no eval, no HTML parsing.
    assert found.inline_scripts == 0 and found.handlers == []
    for forbidden in ("eval(", "new Function", "innerHTML", "document.write", 'setTimeout("'):
        assert forbidden not in widget


def test_the_widget_may_be_loaded_by_other_sites_and_nothing_else_may(client) -> None:
    assert client.get("/widget.js").headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    for path in ("/demo", "/healthz", "/dashboard/sign-in"):
        assert client.get(path).headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_the_chat_api_still_answers_an_allowed_site_across_origins(app_config) -> None:
    from handoff.policy import Policy

    policy = Policy.from_mapping({"chat": {"sites": {"shop": {"origins": ["https://shop.example"]}}}})
    client = create_app({**app_config, "POLICY": policy}).test_client()
    headers = {"Origin": "https://shop.example"}

    preflight = client.options(
        "/api/chat/sessions", headers={**headers, "Access-Control-Request-Method": "POST"}
    )
    started = client.post("/api/chat/sessions", json={"site": "shop"}, headers=headers)

    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert started.status_code == 201
    assert started.headers["Access-Control-Allow-Origin"] == "https://shop.example"


def test_personal_json_is_never_cached(client, auth) -> None:
    assert client.get("/api/inquiries", headers=auth).headers["Cache-Control"] == "no-store"
    assert client.get("/widget.js").headers["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize(
    ("base_url", "forwarded", "proxies", "hsts"),
    [
        pytest.param("https://qualifier.example", {}, 0, True, id="https"),
        pytest.param("http://qualifier.example", {}, 0, False, id="http"),
        pytest.param(
            "http://qualifier.example", {"X-Forwarded-Proto": "https"}, 1, True, id="trusted-proxy-https"
        ),
        pytest.param(
            "http://qualifier.example", {"X-Forwarded-Proto": "https"}, 0, False, id="untrusted-header"
        ),
    ],
)
def test_hsts_is_sent_only_over_https(app_config, base_url, forwarded, proxies, hsts) -> None:
    client = create_app({**app_config, "TRUSTED_PROXIES": str(proxies)}).test_client()
    response = client.get("/healthz", base_url=base_url, headers=forwarded)
    assert ("Strict-Transport-Security" in response.headers) is hsts
    if hsts:
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_trusted_proxy_gives_the_client_address_and_an_untrusted_one_does_not(app_config) -> None:
    seen = {}
    for proxies in (0, 1):
        app = create_app({**app_config, "TRUSTED_PROXIES": str(proxies), "LIMIT_CHAT_SESSIONS": "1/minute"})
        client = app.test_client()
        for client_address in ("198.51.100.7", "203.0.113.9"):
            response = client.post(
                "/api/chat/sessions",
                json={"site": "demo"},
                headers={"X-Forwarded-For": client_address},
                environ_base={"REMOTE_ADDR": "10.0.0.2"},
            )
            seen[(proxies, client_address)] = response.status_code
    # Trusted: two clients, two buckets. Untrusted: both are the proxy's address, one bucket.
    assert seen == {
        (0, "198.51.100.7"): 201,
        (0, "203.0.113.9"): 429,
        (1, "198.51.100.7"): 201,
        (1, "203.0.113.9"): 201,
    }


@pytest.mark.parametrize(
    ("cookie", "secure", "expected"),
    [
        pytest.param("a=1; Path=/", False, "a=1; Path=/; HttpOnly; SameSite=Lax", id="bare"),
        pytest.param("a=1; Path=/", True, "a=1; Path=/; HttpOnly; SameSite=Lax; Secure", id="bare-https"),
        pytest.param(
            "a=1; HttpOnly; SameSite=Strict; Secure",
            True,
            "a=1; HttpOnly; SameSite=Strict; Secure",
            id="complete",
        ),
        pytest.param(
            "a=1; httponly; samesite=None; secure",
            False,
            "a=1; httponly; samesite=None; secure",
            id="lower-case",
        ),
    ],
)
def test_cookies_are_hardened(cookie, secure, expected) -> None:
    assert harden_cookie(cookie, secure) == expected


def test_a_cookie_set_anywhere_leaves_hardened(app_config) -> None:
    app = create_app(app_config)

    @app.get("/set-a-cookie")
    def _set_a_cookie():  # a careless view: no flags at all
        from flask import make_response

        response = make_response("ok")
        response.set_cookie("careless", "1", httponly=False)
        return response

    client = app.test_client()
    plain = client.get("/set-a-cookie").headers["Set-Cookie"]
    secure = client.get("/set-a-cookie", base_url="https://qualifier.example").headers["Set-Cookie"]

    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    assert "HttpOnly" in secure and "SameSite=Lax" in secure and "Secure" in secure


@pytest.mark.parametrize(
    ("base_url", "secure_setting", "secure"),
    [
        pytest.param("http://localhost", None, False, id="tests-over-http"),
        pytest.param("https://qualifier.example", None, True, id="https"),
        pytest.param("http://localhost", True, True, id="forced-secure"),
    ],
)
def test_the_dashboard_session_cookie_is_httponly_samesite_and_secure_over_https(
    app_config, base_url, secure_setting, secure
) -> None:
    config = dict(app_config)
    if secure_setting is not None:
        config["DASHBOARD_COOKIE_SECURE"] = secure_setting
    app = create_app(config)
    make_user(app, "lena@example.com", "sdr")
    client = app.test_client()
    client.get("/dashboard/sign-in", base_url=base_url)
    token = client.get_cookie(
        "qualifier_session", domain="localhost" if "localhost" in base_url else "qualifier.example"
    )
    assert token is not None
    csrf = re.search(
        r'name="csrf_token" value="([^"]+)"',
        client.get("/dashboard/sign-in", base_url=base_url).get_data(as_text=True),
    )
    assert csrf is not None
    answer = client.post(
        "/dashboard/sign-in",
        data={"email": "lena@example.com", "password": PASSWORD, "csrf_token": csrf.group(1)},
        base_url=base_url,
    )
    cookie = answer.headers["Set-Cookie"]
    assert answer.status_code == 302
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) is secure
    runtime_of(app).engine.dispose()


def test_sign_in_pages_keep_the_dashboard_s_own_stricter_policy(app, client) -> None:
    make_user(app, "omar@example.com", "admin")
    answer = sign_in(client, "omar@example.com", "wrong password here")
    assert answer.status_code == 401
    csp = directives(answer.headers["Content-Security-Policy"])
    assert "script-src" not in csp and csp["form-action"] == ["'self'"]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.script_sources: list[str] = []
        self.inline_scripts = 0
        self.inline_styles = 0
        self.handlers: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        self.handlers += [name for name in attributes if name.startswith("on")]
        if tag == "script":
            if attributes.get("src"):
                self.script_sources.append(attributes["src"])
            else:
                self.inline_scripts += 1
        if tag == "style":
            self.inline_styles += 1
