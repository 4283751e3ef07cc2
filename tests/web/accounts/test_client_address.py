"""The address failed sign-ins are counted by: the connection's, or the nearest trusted proxy's."""

from __future__ import annotations

from django.test import RequestFactory

from jigsaw.web.accounts.selectors import client_address


def test_without_trusted_proxies_a_forwarded_header_is_ignored(settings):
    settings.JIGSAW_PROXY_HOPS = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "10.0.0.5"


def test_behind_one_proxy_the_address_it_saw_is_used_not_what_the_client_wrote(settings):
    settings.JIGSAW_PROXY_HOPS = 1
    # The client wrote "6.6.6.6" itself; nginx appended the address it saw, 198.51.100.7.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )
    assert client_address(request) == "198.51.100.7"
    bare = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")
    assert client_address(bare) == "127.0.0.1"
