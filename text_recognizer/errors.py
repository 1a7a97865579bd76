"""Errors that users see: each names the problem instead of surfacing a deep traceback."""


class TextRecognizerError(Exception):
    """Base class for every error the package raises on bad input or a missing resource."""


class VocabularyError(TextRecognizerError, ValueError):
    """A label holds characters the vocabulary cannot represent."""


class ManifestError(TextRecognizerError, ValueError):
    """A manifest is missing, malformed or inconsistent with its files."""


class MissingFontsError(TextRecognizerError, RuntimeError):
    """No usable handwriting font is installed."""


class MissingWordListError(TextRecognizerError, RuntimeError):
    """The synthetic text has no word list: neither wordfreq nor a word file is available."""


class UnsafeArchiveError(TextRecognizerError, ValueError):
    """An archive tries to write outside its target folder or is implausibly large."""


class ChecksumError(TextRecognizerError, ValueError):
    """A downloaded or stored file does not have the expected SHA-256."""


class InvalidImageError(TextRecognizerError, ValueError):
    """An input image cannot be decoded or is outside the accepted size range."""


class LabelTooLongError(TextRecognizerError, ValueError):
    """A label is longer than the model's maximum output length for its kind."""


class DownloadError(TextRecognizerError, RuntimeError):
    """A download failed (HTTP error, network unreachable, truncated transfer)."""


class DataSetLayoutError(TextRecognizerError, ValueError):
    """A raw data set folder lacks the files its upstream layout requires, or they are malformed."""


class ModelInputError(TextRecognizerError, ValueError):
    """A model got a tensor of the wrong shape, or a config names an unknown model or preset."""


class StagedModelError(TextRecognizerError, ValueError):
    """A staged model folder or a checkpoint is missing, incomplete or of an unknown kind."""


class ExportParityError(TextRecognizerError, RuntimeError):
    """An exported model (TorchScript/ONNX) disagrees with the eager model beyond tolerance."""


class GoldenError(TextRecognizerError, ValueError):
    """A golden file, fixed-sample set or loss-ranked suite is missing, malformed or stale."""


class PlantedBugDriftError(TextRecognizerError, ValueError):
    """A planted bug's original snippet no longer occurs exactly once in the file it mutates."""
