"""Pages travel gzipped, static files carry hashed names with a far-future cache, and the
browser finds a favicon."""

import gzip
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.factories import members_in_bulk

pytestmark = pytest.mark.django_db

A_YEAR = 365 * 24 * 60 * 60


def test_pages_are_gzipped_for_browsers_that_accept_it(client, manager, organization):
    members_in_bulk(organization, 60)
    client.force_login(manager)
    url = reverse("organization-detail", args=[organization.slug])
    plain = client.get(url)
    packed = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.content).decode().count("<tr>") == plain.content.decode().count(
        "<tr>"
    )
    # A page of 50 people shrinks to a fraction of its size.
    assert len(packed.content) < len(plain.content) / 4


def test_the_favicon_answers_at_the_site_root_and_in_the_page(client, manager):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    client.force_login(manager)
    page = client.get(reverse("preferences")).content.decode()
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', page)
    assert [icon.rsplit("/", 1)[-1] for icon in icons] == ["favicon.svg", "favicon-32.png"]
    for icon in icons:
        assert client.get(icon).status_code == 200


@pytest.fixture
def collected_static(settings, tmp_path):
    """The static files as a deployment serves them: collected, hashed and precompressed."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", interactive=False, verbosity=0)
    return Client()  # a new client builds its middleware, whitenoise included, afresh


def test_collected_static_files_have_hashed_names_cached_for_a_year(collected_static, manager):
    collected_static.force_login(manager)
    page = collected_static.get(reverse("preferences")).content.decode()
    stylesheet = re.search(r'href="(/static/css/werkplek\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the page links the hashed stylesheet"
    response = collected_static.get(stylesheet[1], headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    cache = response.headers["Cache-Control"]
    assert "immutable" in cache
    assert int(re.search(r"max-age=(\d+)", cache)[1]) >= A_YEAR
