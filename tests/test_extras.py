"""Optional extras: pyproject.toml and text_recognizer.extras agree on which extra brings which
module, and a feature whose extra is missing says which one to install."""

from __future__ import annotations

import re
import sys
import tomllib

import pytest

from tests.conftest import REPO_ROOT
from text_recognizer.extras import EXTRAS, MissingExtraError, require

#: pip distribution -> the top-level module it installs, where the two names differ.
MODULE_OF = {"great-expectations": "great_expectations", "python-multipart": "python_multipart"}


def declared_extras() -> dict[str, set[str]]:
    """extra -> top-level modules of its distributions, from pyproject.toml."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    extras = {}
    for extra, requirements in project["optional-dependencies"].items():
        names = {re.split(r"[<>=\[ ;]", requirement)[0] for requirement in requirements}
        modules = {MODULE_OF.get(name, name.replace("-", "_")) for name in names}
        extras[extra] = {"fontpkg" if m.startswith("fontpkg_") else m for m in modules}
    return extras


@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_every_mapped_module_is_installed_by_its_extra(extra):
    assert set(EXTRAS[extra][1]) <= declared_extras()[extra]


def test_every_optional_extra_is_mapped_and_dev_installs_them_all():
    declared = declared_extras()
    assert set(declared) - {"dev"} == set(EXTRAS)
    dev = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    everything = [
        r for r in dev["optional-dependencies"]["dev"] if r.startswith("text-recognizer[")
    ]
    assert everything == [f"text-recognizer[{','.join(EXTRAS)}]"]


def test_the_core_install_declares_what_the_package_imports_at_top_level():
    core = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=\[ ;]", requirement)[0].lower() for requirement in core}
    assert names == {"torch", "lightning", "torchmetrics", "numpy", "pillow", "pyyaml"}


@pytest.fixture
def without(monkeypatch):
    """``without("wordfreq")``: importing that module fails as if it were not installed."""

    def hide(module: str) -> None:
        monkeypatch.setitem(sys.modules, module, None)

    return hide


def test_a_missing_module_names_the_extra_that_installs_it(without):
    without("wordfreq")
    with pytest.raises(MissingExtraError, match=r"pip install 'text-recognizer\[synth\]'"):
        require("wordfreq")


def test_synthetic_text_without_its_extra_names_synth(without):
    from text_recognizer.data import corpus

    corpus._load_words.cache_clear()
    without("wordfreq")
    with pytest.raises(MissingExtraError, match=r"synthetic text needs wordfreq.*\[synth\]"):
        corpus.load_words()
    corpus._load_words.cache_clear()


def test_data_validation_without_its_extra_names_validation(without, tmp_path):
    from text_recognizer.validation.validate import validate_dataset

    without("great_expectations")
    with pytest.raises(MissingExtraError, match=r"\[validation\]"):
        validate_dataset(tmp_path)


def test_serving_without_its_extra_is_a_one_line_cli_error(without, capsys):
    from text_recognizer.cli import main

    without("uvicorn")
    assert main(["serve", "--port", "0"]) == 2
    assert "pip install 'text-recognizer[serve]'" in capsys.readouterr().err


def test_a_module_that_is_present_but_broken_is_not_blamed_on_an_extra(tmp_path, monkeypatch):
    (tmp_path / "broken_optional.py").write_text("import not_installed_anywhere\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="not_installed_anywhere"):
        require("broken_optional")
