"""Model kinds, presets and config round trips."""

from __future__ import annotations

import pytest

from text_recognizer.errors import ModelInputError
from text_recognizer.models import (
    MODEL_KINDS,
    PRESETS,
    build_model,
    config_from_dict,
    config_to_dict,
    preset,
)


@pytest.mark.parametrize(
    "kind, name", [(kind, name) for kind in sorted(PRESETS) for name in sorted(PRESETS[kind])]
)
def test_every_preset_survives_a_dict_round_trip(kind, name):
    config = preset(kind, name)
    assert config_from_dict(kind, config_to_dict(config)) == config


@pytest.mark.parametrize("kind", sorted(MODEL_KINDS))
def test_tiny_presets_are_much_smaller_than_base(kind):
    def count(name):
        return sum(p.numel() for p in build_model(kind, name).parameters())

    assert count("tiny") < count("base") / 5


def test_overrides_replace_preset_fields():
    assert preset("line_ctc", "tiny", rnn_hidden=8).rnn_hidden == 8


def test_unknown_preset_names_the_choices():
    with pytest.raises(ModelInputError, match="tiny"):
        preset("line_ctc", "huge")


def test_unknown_kind_names_the_choices():
    with pytest.raises(ModelInputError, match="line_ctc"):
        build_model("lstm_only")


def test_unknown_config_field_is_named():
    data = config_to_dict(PRESETS["line_ctc"]["tiny"]) | {"hidden": 3}
    with pytest.raises(ModelInputError, match="hidden"):
        config_from_dict("line_ctc", data)
