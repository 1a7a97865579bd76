"""The console script's shell: help, version, and user errors printed without a traceback."""

import sys

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


@pytest.fixture
def broken_subcommand(tmp_path, monkeypatch):
    """A subcommand module on the path that imports fastapi, which is made uninstallable."""
    (tmp_path / "broken_subcommand.py").write_text("import fastapi\n\ndef register(s):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(sys.modules, "fastapi", None)  # import fastapi -> ModuleNotFoundError
    return "broken_subcommand"


def test_a_subcommand_whose_module_is_missing_stops_the_cli_naming_it(monkeypatch, capsys):
    monkeypatch.setattr("text_recognizer.cli.COMMAND_MODULES", ("train", "nowhere"))
    assert main(["train", "--help"]) == 2
    assert "cannot load subcommand module text_recognizer.cli.nowhere" in capsys.readouterr().err


def test_a_data_action_lacking_an_extra_names_the_module_and_the_extra(
    broken_subcommand, monkeypatch, capsys
):
    monkeypatch.setattr(
        "text_recognizer.cli.data.DATA_ACTION_MODULES",
        ("text_recognizer.cli.data_validate", broken_subcommand),
    )
    assert main(["data", "--help"]) == 2
    err = capsys.readouterr().err
    assert f"cannot load subcommand module {broken_subcommand}" in err
    assert "pip install 'text-recognizer[serve]'" in err
