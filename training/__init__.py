"""The FSDL-style entry point (``python training/run_experiment.py``) and the configs folder;
the code itself lives in :mod:`text_recognizer.training`, so an installed wheel works alone."""
