"""Data validation users run on their own data sets: great-expectations suites over a manifest,
image statistics, and a readable report (``text-recognizer data validate``)."""
