"""Every bounded command-line option accepts its bounds and refuses just beyond them.

A bound written ``>=`` where the help says ``>`` (or the reverse) still parses every value
anyone tries in passing; only the edge tells. Each case runs the command with the package
functions it hands its work to standing in (``text_recognizer/testing/probes/cli.py``), so an
accepted value shows as the command reaching its stand-in and a refused one as exit status 2
with an error message.
"""

from __future__ import annotations

import pytest

from text_recognizer.testing.probes import cli as cli_probes

COMMANDS = {item.name: item for item in cli_probes.COMMANDS}
IAM = ["data", "prepare", "iam", "--raw", "raw", "--out", "o"]
EMNIST_LINES = ["data", "prepare", "emnist-lines", "--raw", "raw", "--out", "o"]
#: (command, argv, accepted): each bound's last accepted value and first refused one.
EDGES = [
    ("data prepare", IAM + ["--scale", "1"], True),
    ("data prepare", IAM + ["--scale", "1.001"], False),
    ("data prepare", IAM + ["--scale", "0.001"], True),
    ("data prepare", IAM + ["--scale", "0"], False),
    ("data prepare", EMNIST_LINES + ["--n", "1"], True),
    ("data prepare", EMNIST_LINES + ["--n", "0"], False),
    ("data generate", ["data", "generate", "--out", "o", "--n", "1"], True),
    ("data generate", ["data", "generate", "--out", "o", "--n", "0"], False),
    ("data generate", ["data", "generate", "--out", "o", "--n", "1", "--seed", "0"], True),
    ("data generate", ["data", "generate", "--out", "o", "--n", "1", "--seed", "-1"], False),
    ("data generate", ["data", "generate", "--out", "o", "--n", "1", "--workers", "0"], False),
    ("demo", ["demo", "--lines", "0", "--paragraphs", "1"], True),
    ("demo", ["demo", "--lines", "1", "--paragraphs", "0"], True),
    ("demo", ["demo", "--lines", "0", "--paragraphs", "0"], False),
    ("demo", ["demo", "--lines", "-1", "--paragraphs", "2"], False),
    ("serve", ["serve", "--batch-window-ms", "0"], True),
    ("serve", ["serve", "--batch-window-ms", "1000"], True),
    ("serve", ["serve", "--batch-window-ms", "1000.5"], False),
    ("serve", ["serve", "--batch-window-ms", "-0.5"], False),
    ("serve", ["serve", "--header-timeout", "3600"], True),
    ("serve", ["serve", "--header-timeout", "3600.5"], False),
    ("serve", ["serve", "--body-timeout", "0.001"], True),
    ("serve", ["serve", "--body-timeout", "0"], False),
    ("serve", ["serve", "--max-queue", "1"], True),
    ("serve", ["serve", "--max-queue", "0"], False),
]


@pytest.mark.parametrize(
    "name,argv,accepted", EDGES, ids=[" ".join(argv[1:]) for _, argv, _ in EDGES]
)
def test_a_bound_is_accepted_and_one_step_beyond_it_is_refused(name, argv, accepted):
    item = COMMANDS[name]
    for module in item.requires:
        pytest.importorskip(module)
    ran = cli_probes.run_command(item, tuple(argv))
    if accepted:
        assert ran["outcome"] == "exit 0" or ran["outcome"].startswith("stopped at"), ran
    else:
        assert ran["outcome"].startswith("exit 2"), ran
        assert "error" in "\n".join(ran["stderr"]), ran["stderr"]
