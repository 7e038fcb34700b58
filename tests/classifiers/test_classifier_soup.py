"""Model soup: the averaged adapter must equal the mean of the members' LoRA products."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from classifiers.training.soup import (
    average_heads,
    blend_adapters,
    blend_heads,
    soup_lora_settings,
    stack_adapters,
)

KEY_A = "base_model.model.encoder.layer.2.attention.self.query.lora_A.weight"
KEY_B = "base_model.model.encoder.layer.2.attention.self.query.lora_B.weight"


def _member(seed: int, rank: int = 4, width: int = 8) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return {
        KEY_A: torch.randn(rank, width, generator=generator),
        KEY_B: torch.randn(width, rank, generator=generator),
    }


def test_stacked_adapter_product_is_the_mean_of_the_members_products() -> None:
    members = [_member(seed) for seed in (13, 14, 15)]
    stacked = stack_adapters(members)
    assert stacked[KEY_A].shape == (12, 8) and stacked[KEY_B].shape == (8, 12)
    expected = torch.stack([m[KEY_B] @ m[KEY_A] for m in members]).mean(dim=0)
    torch.testing.assert_close(stacked[KEY_B] @ stacked[KEY_A], expected)


def test_soup_of_one_member_is_that_member() -> None:
    member = _member(13)
    stacked = stack_adapters([member])
    assert torch.equal(stacked[KEY_A], member[KEY_A]) and torch.equal(stacked[KEY_B], member[KEY_B])


def test_members_adapting_different_modules_are_refused() -> None:
    other = {k.replace("query", "key"): v for k, v in _member(14).items()}
    with pytest.raises(ValueError, match="different modules"):
        stack_adapters([_member(13), other])
    with pytest.raises(ValueError, match="at least one"):
        stack_adapters([])


def test_heads_are_averaged_element_wise() -> None:
    heads = [
        {"heads.hate.weight": torch.full((1, 3), value), "heads.hate.bias": torch.tensor([value])}
        for value in (1.0, 2.0, 6.0)
    ]
    averaged = average_heads(heads)
    assert torch.equal(averaged["heads.hate.weight"], torch.full((1, 3), 3.0))
    assert torch.equal(averaged["heads.hate.bias"], torch.tensor([3.0]))


def test_a_blend_is_the_weighted_sum_of_the_members_products_and_heads() -> None:
    start, tuned = _member(13), _member(14)
    blended = blend_adapters([start, tuned], [0.75, 0.25])
    expected = 0.75 * start[KEY_B] @ start[KEY_A] + 0.25 * tuned[KEY_B] @ tuned[KEY_A]
    torch.testing.assert_close(blended[KEY_B] @ blended[KEY_A], expected)
    heads = [{"heads.hate.bias": torch.tensor([value])} for value in (2.0, 6.0)]
    assert torch.equal(blend_heads(heads, [0.75, 0.25])["heads.hate.bias"], torch.tensor([3.0]))
    other = {k.replace("query", "key"): v for k, v in tuned.items()}
    with pytest.raises(ValueError, match="different modules"):
        blend_adapters([start, other], [0.5, 0.5])
    with pytest.raises(ValueError, match="one weight per member"):
        blend_adapters([start, tuned], [1.0])


def test_soup_adapter_keeps_the_members_lora_scale() -> None:
    from classifiers.model import LoraSettings

    settings = soup_lora_settings(LoraSettings(rank=16, alpha=32), 3)
    assert (settings.rank, settings.alpha) == (48, 96)
    assert settings.alpha / settings.rank == 32 / 16


def _config(seed: int, **changes: object) -> dict[str, object]:
    run = {"seed": seed, "max_minutes": 62.0, "threads": 1}
    data = {"identity_weight": 0.25, "sample": None}
    data.update(changes)
    return {
        "train_config": {"data": data, "lora": {"rank": 16}, "run": run},
        "training": {"stopped_early": False},
    }


def test_members_must_be_trained_alike_but_for_seed_and_budget() -> None:
    from classifiers.training.soup import check_members

    budget_differs = _config(14)
    budget_differs["train_config"]["run"]["max_minutes"] = 600.0  # type: ignore[index]
    check_members([_config(13), budget_differs, _config(15)])
    with pytest.raises(ValueError, match=r"member 2 was trained differently .*data"):
        check_members([_config(13), _config(14, identity_weight=1.0)])
    with pytest.raises(ValueError, match="share a seed"):
        check_members([_config(13), _config(13)])
    cut_short = _config(14)
    cut_short["training"] = {"stopped_early": True}
    with pytest.raises(ValueError, match="member 2 stopped early"):
        check_members([_config(13), cut_short])
    with pytest.raises(ValueError, match="at least two"):
        check_members([_config(13)])


def test_soup_command_refuses_members_with_one_seed_cleanly(
    datasets_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from classifiers.artefact import ARTEFACTS_DIR, DEFAULT_ARTEFACT
    from trustwatch.cli import main

    member = str(ARTEFACTS_DIR / DEFAULT_ARTEFACT)
    args = ["model", "soup", "--data", str(datasets_dir), "--member", member, "--member", member]
    assert main([*args, "--out", "unused"]) == 2
    err = capsys.readouterr().err
    assert "share a seed" in err and "Traceback" not in err


@pytest.mark.slow
def test_a_soup_of_identical_members_is_that_model(datasets_dir: Path, tmp_path: Path) -> None:
    """Stacking, the alpha scale, head averaging and recalibration, end to end on real weights.

    Both members are the committed model (one relabelled seed 14), calibrated on a small
    sample of validation so the test stays quick.
    """
    from classifiers.artefact import (
        ARTEFACTS_DIR,
        DEFAULT_ARTEFACT,
        load_network,
        read_config,
        write_config,
    )
    from classifiers.encoder import load_tokenizer
    from classifiers.inference import TransformerClassifier
    from classifiers.training.soup import soup_artefacts
    from classifiers.training.train import DataSettings, build_table, calibrate

    members = []
    for seed in (13, 14):
        member = tmp_path / f"seed-{seed}"
        shutil.copytree(ARTEFACTS_DIR / DEFAULT_ARTEFACT, member)
        config = read_config(member)
        config["train_config"]["run"]["seed"] = seed
        config["train_config"]["data"]["sample"] = 40
        write_config(member, config)
        members.append(member)
    soup_artefacts(members, tmp_path / "soup", datasets_dir)
    soup_config = read_config(tmp_path / "soup")
    assert soup_config["soup"]["seeds"] == [13, 14]
    network, config = load_network(members[0])
    settings = DataSettings.from_record(config["train_config"]["data"])
    table = build_table(datasets_dir, settings, 13)
    expected = calibrate(network, load_tokenizer(), table, 64, settings.min_recall)
    assert soup_config["thresholds"] == expected
    texts = ["Mr Jones is a useless fat idiot", "Thank you for a lovely sports day"]
    single = TransformerClassifier(members[0]).predict_proba(texts).to_numpy()
    souped = TransformerClassifier(tmp_path / "soup").predict_proba(texts).to_numpy()
    np.testing.assert_allclose(souped, single, atol=1e-5)


def test_model_card_names_the_soup_members() -> None:
    from classifiers.training.model_card import _soup_lines

    config = {"soup": {"seeds": [13, 14], "members": ["a0aa2713339a942c", "61949d4d83e2ead4"]}}
    (line,) = _soup_lines(config)
    assert "Weight average of 2 models" in line
    assert "seed 13 (a0aa2713339a942c), seed 14 (61949d4d83e2ead4)" in line
    assert _soup_lines({"thresholds": {}}) == []
