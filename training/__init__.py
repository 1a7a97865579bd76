"""Training entry point and model staging."""
