"""The staged-model format: ``model.pt`` loads without pickled code; a folder that does not
match the running preprocessing, or holds no model, is refused with a reason."""

from __future__ import annotations

import pytest
import torch

from text_recognizer.errors import StagedModelError
from text_recognizer.staging import load_staged, staged_folders


def test_model_pt_loads_with_weights_only(staged_lines):
    payload = torch.load(staged_lines.folder / "model.pt", weights_only=True)
    assert payload["kind"] == "lines"
    assert {"config", "state_dict", "vocab", "preprocessing", "metrics", "version"} <= set(payload)


def test_staged_folder_with_other_preprocessing_is_refused(staged_lines, tmp_path):
    payload = torch.load(staged_lines.folder / "model.pt", weights_only=True)
    payload["preprocessing"]["line_height"] = 64
    torch.save(payload, tmp_path / "model.pt")
    with pytest.raises(StagedModelError, match="line_height"):
        load_staged(tmp_path)


def test_a_staged_model_that_does_not_record_a_preprocessing_constant_is_refused(
    staged_lines, tmp_path
):
    """Unrecorded is not the same: a model staged before a constant existed was not trained
    with whatever this package now uses."""
    payload = torch.load(staged_lines.folder / "model.pt", weights_only=True)
    name = sorted(payload["preprocessing"])[0]
    del payload["preprocessing"][name]
    torch.save(payload, tmp_path / "model.pt")
    with pytest.raises(StagedModelError, match=name):
        load_staged(tmp_path)


@pytest.mark.parametrize(
    "key", ["kind", "config", "state_dict", "vocab", "preprocessing", "version"]
)
def test_a_model_pt_without_a_part_it_needs_is_refused_naming_it(staged_lines, tmp_path, key):
    payload = torch.load(staged_lines.folder / "model.pt", weights_only=True)
    del payload[key]
    torch.save(payload, tmp_path / "model.pt")
    with pytest.raises(StagedModelError, match=f"lacks {key}: re-stage the model"):
        load_staged(tmp_path)


def test_a_folder_without_a_model_names_the_problem(tmp_path):
    with pytest.raises(StagedModelError, match="holds no staged model"):
        staged_folders(tmp_path)


def test_staged_folder_with_a_reordered_vocabulary_is_refused(staged_lines, tmp_path):
    payload = torch.load(staged_lines.folder / "model.pt", weights_only=True)
    specials, characters = payload["vocab"][:4], payload["vocab"][4:]
    payload["vocab"] = specials + characters[::-1]  # same size, other order
    torch.save(payload, tmp_path / "model.pt")
    with pytest.raises(StagedModelError, match="different vocabulary"):
        load_staged(tmp_path)


@pytest.mark.parametrize("reader", [load_staged, staged_folders])
def test_a_model_file_that_is_not_a_checkpoint_is_named(tmp_path, reader):
    (tmp_path / "model.pt").write_bytes(b"not a torch file")
    with pytest.raises(StagedModelError, match=r"cannot read .*model\.pt"):
        reader(tmp_path)
