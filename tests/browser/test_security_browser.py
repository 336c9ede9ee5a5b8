"""The Content-Security-Policy in a real browser: the demo page and a strict third-party site embedding the widget."""

from __future__ import annotations

from handoff.policy import Policy

# Records every CSP violation the page reports, before any of its scripts run.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.effectiveDirective + " blocked " + (e.blockedURI || "inline"));
});
"""
WIDGET_BLUE = "rgb(31, 79, 209)"  # the launcher's colour: proof that the widget's own styles applied


def talk(page) -> str:
    widget = page.locator("[data-qualifier-widget]")
    widget.locator("button.launcher").click()
    widget.locator(".msg.bot").first.wait_for()  # the greeting: a session was started over fetch
    widget.locator("textarea").fill("Do you have a pricing page?")
    widget.locator("textarea").press("Enter")
    widget.locator(".msg.bot").nth(1).wait_for()
    return widget.locator(".msg.bot").nth(1).inner_text()


def test_the_demo_page_and_its_widget_run_under_their_policy_without_a_violation(
    app_config, live_server, page
) -> None:
    from assistant import create_app

    base = live_server(create_app(app_config))
    page.add_init_script(WATCH_VIOLATIONS)
    console = []
    page.on("console", lambda message: console.append(message.text))

    page.goto(f"{base}/demo")
    reply = talk(page)

    launcher_colour = page.locator("[data-qualifier-widget] button.launcher").evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    assert reply
    assert launcher_colour == WIDGET_BLUE
    assert page.evaluate("window.__violations") == []
    assert not [line for line in console if "Content Security Policy" in line]


def test_the_widget_works_on_a_strict_third_party_site(app_config, live_server, page) -> None:
    """A shop whose own CSP allows only our script, our API and inline styles, as docs/production.md says."""
    from assistant import create_app

    shop = {"qualifier": ""}

    def shop_site(environ, start_response):  # noqa: ANN001, ANN202 - a WSGI app
        qualifier = shop["qualifier"]
        policy = (
            f"default-src 'none'; script-src {qualifier}; connect-src {qualifier}; "
            "style-src 'unsafe-inline'; frame-ancestors 'none'"
        )
        html = (
            "<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1>"
            f'<script src="{qualifier}/widget.js" data-site="shop" async></script></body></html>'
        ).encode()
        start_response("200 OK", [("Content-Type", "text/html"), ("Content-Security-Policy", policy)])
        return [html]

    shop_url = live_server(shop_site)
    policy = Policy.from_mapping({"chat": {"sites": {"shop": {"origins": [shop_url]}}}})
    shop["qualifier"] = live_server(create_app({**app_config, "POLICY": policy}))
    page.add_init_script(WATCH_VIOLATIONS)

    page.goto(shop_url)
    reply = talk(page)

    assert reply and "went wrong" not in reply and "unavailable" not in reply
    assert page.evaluate("window.__violations") == []
