"""The API's documentation (/api/docs) opens in a real browser under our own
Content-Security-Policy (not bypassed): the vendored Swagger UI shows every operation, and
the browser reports no refused script or style."""


def test_the_api_documentation_shows_every_operation_under_our_csp(chromium, live):
    context = chromium.new_context()  # the CSP applies: no bypass here
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    try:
        response = page.goto(live("/api/docs"))
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector(".opblock", timeout=15_000)
        assert page.locator(".opblock").count() == 11
        assert refused == []
    finally:
        context.close()
