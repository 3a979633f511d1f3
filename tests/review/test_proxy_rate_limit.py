"""Issue 9: the comment rate limit behind the reverse proxy of docker-compose.yml.

Every visitor reaches gunicorn from the proxy's own address; counting REMOTE_ADDR would put all of them in
one allowance (and one person's five comments would block every other resident). With
settings.TRUSTED_PROXY_HEADER set, the right-most address of that header — the one the trusted proxy
appended — identifies the visitor; what a client writes into the header itself is never trusted.
"""

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from review import services
from review.choices import CommentKind
from tests.review.helpers import World
from tests.review.test_public import AGENT, D, open_now

pytestmark = pytest.mark.django_db

PROXY = "172.18.0.5"


@pytest.fixture
def open_publicity(db, monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: D(2026, 3, 2))
    return open_now(World().publicity())


def post_via_proxy(client, notice, forwarded, text):
    data = {"kind": CommentKind.SUGGESTION, "text": text, "contact": "13900001111", "name": ""}
    extra = {"REMOTE_ADDR": PROXY, "HTTP_USER_AGENT": AGENT}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("publicity:comment", args=[notice.pk]), data, **extra)


@override_settings(TRUSTED_PROXY_HEADER="HTTP_X_FORWARDED_FOR")
def test_behind_the_proxy_each_visitor_has_an_own_allowance(open_publicity):
    client = Client()
    for number in range(5):
        assert post_via_proxy(client, open_publicity, "198.51.100.1", f"第{number + 1}条").status_code == 302
    assert post_via_proxy(client, open_publicity, "198.51.100.1", "第6条").status_code == 429
    # Another resident behind the same proxy is not blocked by the first one's comments.
    assert post_via_proxy(client, open_publicity, "198.51.100.2", "另一位居民").status_code == 302
    assert open_publicity.comments.count() == 6


@override_settings(TRUSTED_PROXY_HEADER="HTTP_X_FORWARDED_FOR")
def test_a_forged_left_part_of_the_header_opens_no_new_allowance(open_publicity):
    client = Client()
    for number in range(5):
        forged = f"10.0.0.{number}, 198.51.100.1"  # the client wrote the left part; the proxy appended ours
        assert post_via_proxy(client, open_publicity, forged, f"第{number + 1}条").status_code == 302
    assert post_via_proxy(client, open_publicity, "10.9.9.9, 198.51.100.1", "第6条").status_code == 429
    comment = open_publicity.comments.first()
    assert comment.client_fingerprint == services.fingerprint("198.51.100.1")


@override_settings(TRUSTED_PROXY_HEADER="")
def test_without_the_setting_the_header_is_ignored():
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert services.client_ip(request) == "203.0.113.7"


@override_settings(TRUSTED_PROXY_HEADER="HTTP_X_REAL_IP")
def test_the_configured_header_is_read_and_a_missing_one_falls_back():
    factory = RequestFactory()
    assert services.client_ip(factory.post("/", REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=" 198.51.100.7 ")) == (
        "198.51.100.7"
    )
    assert services.client_ip(factory.post("/", REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="")) == PROXY
    assert services.client_ip(factory.post("/", REMOTE_ADDR=PROXY)) == PROXY
