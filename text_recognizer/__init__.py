"""text-recognizer: handwritten-text recognition on PyTorch Lightning, with its test harness.

The top level imports only torch, lightning, torchmetrics, numpy and pillow (or less), so the GPU
lane runs on a stock stack; heavier extras are imported where they are used.
"""

__version__ = "0.1.0"
