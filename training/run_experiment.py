"""Train from a config, FSDL style: ``python training/run_experiment.py --config lines_tiny``.

A thin entry point kept for the checkout; the runner is :mod:`text_recognizer.training.experiment`
(also ``text-recognizer train``), so the installed package needs nothing from this folder.
"""

import sys

from text_recognizer.training.experiment import main

if __name__ == "__main__":
    sys.exit(main())
