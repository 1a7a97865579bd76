"""The test harness users import in their own tests, as ``numpy.testing`` is for numpy:
memorization and training-sanity checks, hypothesis strategies, golden transcriptions,
numeric goldens and loss-ranked regression suites, and a pytest plugin for their flags."""
