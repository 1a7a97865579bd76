"""``text-recognizer serve``: its options, and clean errors before any socket is bound."""

from __future__ import annotations

import pytest

from text_recognizer.cli import build_parser, main


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


def test_missing_model_path_is_a_clear_error(tmp_path, capsys) -> None:
    missing = tmp_path / "no-such-model"

    code = main(["serve", "--model", str(missing)])

    assert code == 2
    assert f"model path {missing} does not exist" in capsys.readouterr().err
