"""ServeSettings: every limit is checked when the service is configured, not when it bites."""

from __future__ import annotations

import pytest

from text_recognizer.api.errors import ServiceConfigError
from text_recognizer.api.settings import ServeSettings


def test_defaults_are_valid_and_bounded() -> None:
    settings = ServeSettings()

    assert settings.header_timeout_s <= settings.body_timeout_s
    assert settings.shutdown_timeout_s <= 30
    assert settings.max_decode_bytes <= settings.decode_budget_bytes <= 1024**3
    assert settings.allowed_hosts == ("127.0.0.1", "localhost", "::1")
    assert settings.trusted_proxies == () and settings.token is None


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"header_timeout_s": 0}, "header_timeout_s must be in (0, 3600] seconds, got 0"),
        ({"body_timeout_s": -1.0}, "body_timeout_s must be in (0, 3600] seconds"),
        ({"shutdown_timeout_s": "10"}, "shutdown_timeout_s must be in (0, 3600] seconds"),
        ({"max_connections": 0}, "max_connections must be at least 1, got 0"),
        ({"max_inflight": True}, "max_inflight must be at least 1, got True"),
        ({"model_load_attempts": 0}, "model_load_attempts must be at least 1"),
        ({"max_decode_bytes": 10, "decode_budget_bytes": 5}, "decode_budget_bytes (5) must be"),
        ({"allowed_hosts": ()}, "allowed_hosts must be non-empty names"),
        ({"trusted_proxies": ("proxy.local",)}, "'proxy.local', which is not an IP address"),
        ({"token": "short"}, "the token must be at least 16 printable ASCII characters"),
        ({"token": "sixteen chars with spaces"}, "without spaces"),
    ],
)
def test_impossible_settings_are_refused_naming_the_setting(overrides, message: str) -> None:
    with pytest.raises(ServiceConfigError) as refused:
        ServeSettings(**overrides)

    assert message in str(refused.value)


def test_trusted_proxies_accept_addresses_and_networks() -> None:
    settings = ServeSettings(trusted_proxies=("10.0.0.5", "192.168.0.0/16", "::1"))

    assert len(settings.trusted_proxies) == 3


def test_the_token_never_appears_in_the_settings_repr() -> None:
    assert "s3cret" not in repr(ServeSettings(token="s3cret-s3cret-s3cret"))
