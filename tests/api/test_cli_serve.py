"""``text-recognizer serve``: its options, and clean errors before any socket is bound."""

from __future__ import annotations

import pytest

from text_recognizer.api.settings import ServeSettings
from text_recognizer.cli import build_parser, main
from text_recognizer.cli.serve import TOKEN_ENV, settings_from_args
from text_recognizer.errors import TextRecognizerError


def test_serve_options_map_onto_the_service_limits() -> None:
    args = build_parser().parse_args(
        [
            "serve",
            "--port",
            "9001",
            "--max-body-bytes",
            "1024",
            "--max-pixels",
            "5000",
            "--max-concurrency",
            "2",
            "--max-queue",
            "3",
            "--batch-window-ms",
            "0",
        ]
    )

    assert (args.host, args.port) == ("127.0.0.1", 9001)
    assert (args.max_body_bytes, args.max_pixels) == (1024, 5000)
    assert (args.max_concurrency, args.max_queue, args.batch_window_ms) == (2, 3, 0.0)


@pytest.mark.parametrize(
    "option, value", [("--max-queue", "0"), ("--max-pixels", "-5"), ("--batch-window-ms", "5000")]
)
def test_impossible_limits_are_refused_by_the_parser(option: str, value: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["serve", option, value])

    assert exit_info.value.code == 2
    assert option in capsys.readouterr().err


@pytest.mark.parametrize(
    "option, value, expected",
    [
        ("--batch-window-ms", "5ms", "expected milliseconds, got '5ms'"),
        ("--body-timeout", "ten", "expected seconds, got 'ten'"),
        ("--allowed-hosts", " , ", "expected comma-separated names, got ' , '"),
    ],
)
def test_unreadable_values_are_refused_by_the_parser_saying_what_was_expected(
    option: str, value: str, expected: str, capsys
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["serve", option, value])

    assert exit_info.value.code == 2
    assert expected in capsys.readouterr().err


def test_missing_model_path_is_a_clear_error(tmp_path, capsys) -> None:
    missing = tmp_path / "no-such-model"

    code = main(["serve", "--model", str(missing)])

    assert code == 2
    assert f"model path {missing} does not exist" in capsys.readouterr().err


def serve_args(*options: str):
    return build_parser().parse_args(["serve", *options])


def test_timeouts_and_limits_map_onto_the_settings() -> None:
    settings = settings_from_args(
        serve_args(
            "--header-timeout",
            "2",
            "--body-timeout",
            "7.5",
            "--shutdown-timeout",
            "3",
            "--max-connections",
            "50",
            "--max-decode-bytes",
            "1000",
            "--decode-budget-bytes",
            "3000",
        ),
        environ={},
    )

    assert (settings.header_timeout_s, settings.body_timeout_s, settings.shutdown_timeout_s) == (
        2.0,
        7.5,
        3.0,
    )
    assert (settings.max_connections, settings.max_decode_bytes) == (50, 1000)
    assert settings.decode_budget_bytes == 3000


def test_binding_beyond_loopback_without_a_token_is_refused() -> None:
    with pytest.raises(TextRecognizerError) as refused:
        settings_from_args(serve_args("--host", "0.0.0.0"), environ={})

    assert "binding to 0.0.0.0 exposes the service beyond this machine" in str(refused.value)
    assert TOKEN_ENV in str(refused.value)


def test_the_token_comes_from_the_environment_when_not_given() -> None:
    settings = settings_from_args(
        serve_args("--host", "0.0.0.0"), environ={TOKEN_ENV: "from-the-environment-1234"}
    )

    assert settings.token == "from-the-environment-1234"
    assert settings.allowed_hosts == ("*",)  # behind a name the service cannot guess


def test_a_loopback_bind_serves_only_loopback_host_names_by_default() -> None:
    settings = settings_from_args(serve_args(), environ={})

    assert settings.allowed_hosts == ("127.0.0.1", "localhost", "::1")
    assert settings.token is None


def test_allowed_hosts_and_trusted_proxies_are_comma_separated() -> None:
    args = serve_args(
        "--allowed-hosts",
        "ocr.example.com, *.ocr.example.com",
        "--trusted-proxies",
        "10.0.0.1,10.1.0.0/16",
    )

    settings = settings_from_args(args, environ={})

    assert settings.allowed_hosts == ("ocr.example.com", "*.ocr.example.com")
    assert settings.trusted_proxies == ("10.0.0.1", "10.1.0.0/16")


def test_forwarded_headers_are_not_trusted_from_anyone_by_default() -> None:
    pytest.importorskip("uvicorn")
    config = built_server(ServeSettings()).config

    assert config.proxy_headers is False  # uvicorn's default trusts X-Forwarded-For from loopback


def test_forwarded_headers_are_trusted_only_from_the_configured_proxies() -> None:
    pytest.importorskip("uvicorn")
    config = built_server(ServeSettings(trusted_proxies=("10.0.0.1",))).config

    assert config.proxy_headers is True
    assert config.forwarded_allow_ips == ["10.0.0.1"]


def test_the_server_uses_the_services_timeouts_and_not_uvicorns_plain_text_limit() -> None:
    pytest.importorskip("uvicorn")
    settings = ServeSettings(keep_alive_timeout_s=3.0, shutdown_timeout_s=4.0)

    config = built_server(settings).config

    assert (config.timeout_keep_alive, config.timeout_graceful_shutdown) == (3.0, 4.0)
    assert config.limit_concurrency is None


def built_server(settings: ServeSettings):
    from tests.api.fakes import SizeReadingRecognizer
    from text_recognizer.api.app import create_app
    from text_recognizer.api.server import build_server

    app = create_app(SizeReadingRecognizer, settings)
    return build_server(app, "127.0.0.1", 8000, settings)
