"""Every option of every subcommand is probed, and each one changes what its command hands on.

The command-line probes (``text_recognizer/testing/probes/cli.py``) run each subcommand with
its defaults and with one option changed at a time, the package functions it hands its work to
standing in and recording what they received; ``tests/regression/test_pipeline_probes.py``
holds each run to its recorded golden. These tests make that sweep complete and meaningful:
an option nobody listed is a failure, and so is a recorded option whose run reads the same as
the run without it (an option parsed and then dropped, recorded as if that were right).
"""

from __future__ import annotations

import argparse

import pytest

from tests.regression.conftest import GOLDENS_DIR
from text_recognizer.cli import build_parser
from text_recognizer.testing import probes
from text_recognizer.testing.probes import cli as cli_probes

COMMANDS = {item.name: item for item in cli_probes.COMMANDS}
CHANGES = [(item.name, option) for item in cli_probes.COMMANDS for option in sorted(item.changes)]
#: What a run hands on: its ending, the stand-ins' calls and what it printed.
HANDED_ON = ("outcome", "stand_in_calls", "stdout", "stderr")


def leaf_commands(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> dict[str, argparse.ArgumentParser]:
    """``"data generate"`` -> its parser, for every subcommand that does work."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.update(leaf_commands(child, prefix + (name,)))
    if not found and prefix:
        found[" ".join(prefix)] = parser
    return found


def declared_options(parser: argparse.ArgumentParser) -> set[str]:
    """Each option by its long spelling, each positional by its name."""
    names = set()
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        long = [flag for flag in action.option_strings if flag.startswith("--")]
        names.add(long[0] if long else action.dest)
    return names


LEAVES = leaf_commands(build_parser())


@pytest.fixture(scope="module")
def recorded() -> dict:
    return probes.read_probe_goldens(GOLDENS_DIR / probes.PROBES_FILE).probes


def test_every_subcommand_has_command_line_probes():
    assert sorted(COMMANDS) == sorted(LEAVES)


@pytest.mark.parametrize("name", sorted(LEAVES))
def test_every_option_of_a_subcommand_is_changed_by_a_probe(name):
    probed = {option.split("=", 1)[0] for option in COMMANDS[name].changes}
    assert probed == declared_options(LEAVES[name]), "options without a probe, or gone"


@pytest.mark.parametrize("name", sorted(LEAVES))
def test_the_defaults_probe_parses_and_runs_to_a_stand_in(name, recorded):
    outcome = recorded[cli_probes.probe_name(COMMANDS[name])]["outcome"].text
    assert outcome == "exit 0" or outcome.startswith("stopped at "), outcome


def _run_of(item: cli_probes.Command, argv: tuple[str, ...]) -> str:
    """The probe of ``item`` whose argv is ``argv``."""
    if argv == item.argv:
        return cli_probes.probe_name(item)
    named = [option for option, change in item.changes.items() if change.argv == argv]
    assert named, f"no probe of {item.name!r} runs {' '.join(argv)}: add one"
    return cli_probes.probe_name(item, named[0])


@pytest.mark.parametrize("name,option", CHANGES)
def test_an_option_changes_what_its_command_hands_on(name, option, recorded):
    item = COMMANDS[name]
    change = item.changes[option]
    with_option = recorded[cli_probes.probe_name(item, option)]
    without = recorded[_run_of(item, change.reference)]
    ended = with_option["outcome"].text
    assert ended == "exit 0" or ended.startswith(
        "stopped at "
    ), f"`{' '.join(change.argv)}` ends {ended}: {with_option['stderr'].text}"
    handed_on = [field for field in HANDED_ON if with_option[field].text != without[field].text]
    assert handed_on, f"{option} reads the same as `{' '.join(change.reference)}`"
