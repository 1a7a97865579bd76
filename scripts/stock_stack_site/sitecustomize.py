"""Hide the modules in ``STOCK_STACK_HIDE`` and the distributions in
``STOCK_STACK_HIDE_DISTRIBUTIONS`` (see ``scripts/stock_stack.py``) as if they were not
installed: every import finder answers "not found" for the modules, so ``import onnx`` raises
``ModuleNotFoundError`` and ``importlib.util.find_spec("onnx")`` is None (torch probes it so),
and ``importlib.metadata`` lists none of the distributions."""

import os
import re
import sys


def _names(variable):
    return frozenset(name for name in os.environ.get(variable, "").split(",") if name)


_MODULES = _names("STOCK_STACK_HIDE")
_DISTRIBUTIONS = _names("STOCK_STACK_HIDE_DISTRIBUTIONS")


def _visible(distribution):
    name = distribution.metadata["Name"] or ""
    return re.sub(r"[-_.]+", "-", name).lower() not in _DISTRIBUTIONS


class _WithoutHidden:
    """An import finder that finds nothing hidden and defers everything else to ``finder``."""

    def __init__(self, finder):
        self._finder = finder

    def find_spec(self, name, path=None, target=None):
        find = getattr(self._finder, "find_spec", None)
        if name.partition(".")[0] in _MODULES or find is None:
            return None
        return find(name, path, target)

    def find_distributions(self, *args, **kwargs):
        find = getattr(self._finder, "find_distributions", None)
        return [] if find is None else filter(_visible, find(*args, **kwargs))

    def __getattr__(self, attribute):
        return getattr(self._finder, attribute)


if _MODULES or _DISTRIBUTIONS:
    sys.meta_path[:] = [_WithoutHidden(finder) for finder in sys.meta_path]
