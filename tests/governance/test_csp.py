"""The Content-Security-Policy (django-csp): on every page, strict for scripts, the map's tile server the
only outside origin, and no template that relies on inline script or style. The browser journeys
(tests/browser/fixtures.py: watch_csp) fail on any violation the policy reports in Chromium."""

import pathlib
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEMPLATES = pathlib.Path(__file__).resolve().parents[2] / "templates"


def policy(response):
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/lists/", "/this-page-does-not-exist/"])
def test_every_page_has_a_strict_policy(client, url):
    directives = policy(client.get(url))
    assert directives["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no outside host
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"] and directives["form-action"] == ["'self'"]
    assert not [source for sources in directives.values() for source in sources if source.startswith("http")]


def test_the_tile_server_is_the_only_outside_image_origin_when_a_map_is_configured(client, settings):
    settings.MAP_TILE_URL = "https://{s}.tiles.example.cn/{z}/{x}/{y}.png"
    settings.MAP_TILE_SUBDOMAINS = "ab"
    directives = policy(client.get("/"))
    assert directives["img-src"] == ["'self'", "data:", "blob:", "https://a.tiles.example.cn", "https://b.tiles.example.cn"]
    assert directives["script-src"] == ["'self'"] and directives["connect-src"] == ["'self'"]
    settings.MAP_TILE_URL = "http://127.0.0.1:8090/tiles/{z}/{x}/{y}.png"
    assert policy(client.get("/"))["img-src"][-1] == "http://127.0.0.1:8090"
    settings.MAP_TILE_URL = ""
    assert policy(client.get("/"))["img-src"] == ["'self'", "data:", "blob:"]


def test_the_api_docs_load_their_script_as_a_file_and_only_styles_are_relaxed(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in directives["style-src"]
    body = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), "an inline script on the docs page"
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>"), "inline <script>"),
    (re.compile(r"\son[a-z]+=[\"']"), "inline event handler"),
    (re.compile(r"<style[\s>]"), "<style> element"),
    (re.compile(r"\sstyle=[\"']"), "style attribute"),
]


def test_no_page_template_relies_on_inline_script_or_style():
    found = []
    for path in TEMPLATES.rglob("*.html"):
        if "emails" in path.parts:
            continue  # mail clients, not browsers under this policy
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(TEMPLATES)}: {label}" for pattern, label in INLINE if pattern.search(text)]
    assert not found, found
