"""The console script's shell: help, version, and user errors printed without a traceback."""

import pytest

from text_recognizer import __version__
from text_recognizer.cli import build_parser, main
from text_recognizer.errors import TextRecognizerError


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: text-recognizer" in capsys.readouterr().out


def test_version_flag_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_user_error_is_one_line_on_stderr_with_exit_2(monkeypatch, capsys):
    parser = build_parser()

    def failing(args):
        raise TextRecognizerError("the image is empty")

    monkeypatch.setattr("text_recognizer.cli.build_parser", lambda: parser)
    parser.set_defaults(func=failing, command="predict")
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "text-recognizer predict: error: the image is empty"


def test_data_group_lists_its_actions(capsys):
    with pytest.raises(SystemExit):
        main(["data", "--help"])
    assert "ACTION" in capsys.readouterr().out
