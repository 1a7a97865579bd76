"""The console script's shell: every subcommand registered, help, version, and user errors
printed as one line while bugs still raise."""

import re
import sys

import pytest

from text_recognizer import __version__
from text_recognizer.cli import COMMAND_MODULES, main
from text_recognizer.errors import TextRecognizerError


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: text-recognizer" in capsys.readouterr().out


def test_version_flag_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"text-recognizer {__version__}"


def listed_commands(help_text: str) -> list[str]:
    """The sub-commands a help page lists: the names indented under its metavar."""
    return re.findall(r"^    ([a-z-]+)\s", help_text, re.M)


def test_every_subcommand_module_registers_its_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert listed_commands(capsys.readouterr().out) == list(COMMAND_MODULES)


def test_data_group_registers_every_action(capsys):
    with pytest.raises(SystemExit):
        main(["data", "--help"])
    assert listed_commands(capsys.readouterr().out) == [
        "generate",
        "stats",
        "contact-sheet",
        "fonts",
        "validate",
        "download",
        "prepare",
    ]


def test_user_error_is_one_line_on_stderr_with_exit_2(monkeypatch, capsys):
    def failing(args):
        raise TextRecognizerError("the image is empty")

    monkeypatch.setattr("text_recognizer.cli.predict.run", failing)
    assert main(["predict", "x.png"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "text-recognizer predict: error: the image is empty\n"
    assert captured.out == ""


def test_a_bug_is_not_mistaken_for_a_user_error(monkeypatch):
    def crashing(args):
        raise ZeroDivisionError("a bug, not bad input")

    monkeypatch.setattr("text_recognizer.cli.predict.run", crashing)
    with pytest.raises(ZeroDivisionError):
        main(["predict", "x.png"])


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
