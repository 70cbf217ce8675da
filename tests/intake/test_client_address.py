"""The client's address: X-Forwarded-For is believed only from configured proxies, right-most untrusted hop."""

import pytest
from django.test import RequestFactory


def _address(remote, forwarded=None):
    from tandem.intake.client_address import client_address

    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().post("/", **extra))


def test_without_trusted_proxies_a_forged_header_is_ignored(settings):
    settings.TANDEM_TRUSTED_PROXIES = []
    assert _address("198.51.100.7", "1.2.3.4") == "198.51.100.7"


def test_a_header_from_an_untrusted_peer_is_ignored(settings):
    settings.TANDEM_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _address("198.51.100.7", "1.2.3.4, 10.0.0.5") == "198.51.100.7"


@pytest.mark.parametrize("forwarded, client", [
    ("203.0.113.9", "203.0.113.9"),
    ("1.2.3.4, 203.0.113.9", "203.0.113.9"),  # the client forged 1.2.3.4; our proxy appended what it saw
    ("1.2.3.4, 203.0.113.9, 10.0.0.7", "203.0.113.9"),  # two of our proxies in a row
    ("10.1.1.1, 10.0.0.7", "10.1.1.1"),  # every hop is ours: the left-most
    ("", "10.0.0.2"),
    ("not-an-ip", "10.0.0.2"),
    ("[2001:db8::1]:443", "2001:db8::1"),
])
def test_behind_a_trusted_proxy_the_client_is_the_right_most_untrusted_hop(settings, forwarded, client):
    settings.TANDEM_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _address("10.0.0.2", forwarded) == client


def test_a_single_proxy_address_can_be_trusted(settings):
    settings.TANDEM_TRUSTED_PROXIES = ["127.0.0.1"]
    assert _address("127.0.0.1", "203.0.113.9") == "203.0.113.9"
    assert _address("127.0.0.2", "203.0.113.9") == "127.0.0.2"
