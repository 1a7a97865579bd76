"""``python -m text_recognizer`` runs the console script."""

import sys

from text_recognizer.cli import main

sys.exit(main())
