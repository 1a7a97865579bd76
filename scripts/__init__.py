"""Repository tools that are not shipped in the wheel: the planted-bug (mutation) runner, the
service load test and the validation benchmark. Run them from a checkout as
``python -m scripts.<name>``."""
