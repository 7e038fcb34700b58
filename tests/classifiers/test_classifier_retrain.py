"""Retraining from verdicts: a simulated season with a tiny run (few steps) shows promotion,
refusal and rollback end to end, on a real warehouse with the real model."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import replace

import numpy as np
import pytest
from sqlalchemy import select

from classifiers.active import active_artefact, models_dir, shipped_artefact
from classifiers.artefact import artefact_version, read_config
from classifiers.text import CHARACTERS, CHARACTERS_2
from classifiers.training.promotion import (
    CHECKS_POOLED,
    VERDICT_SET,
    LabelComparison,
    PromotionRule,
    compare_label,
    decide,
)
from classifiers.training.retrain import (
    RetrainSettings,
    VerdictItem,
    normalisation_mode,
    split_by_time,
)
from tests.web.factories import Post, add_alert, add_thread, make_user
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Classification, LabelVerdict, ModelVersion
from trustwatch.errors import UserError
from trustwatch.model_versions import retrain, rollback
from trustwatch.web.roles import Role

START = dt.datetime(2026, 9, 7, 9, 0, tzinfo=dt.UTC)

# What the shipped model misses (issue 20): complaints written as sarcasm. And what it flags
# wrongly: plain announcements read as complaints.
_OPENERS = ("Oh brilliant,", "Great,", "Fantastic,", "Wonderful,", "Cheers for")
_GRIPES = (
    "another INSET day with two days notice",
    "finding out about the strike day from my kid",
    "a cold jacket potato for £2.60",
    "the timetable changed again without a word",
    "the trip cancelled the night before",
    "homework set at 9pm for the next morning",
    "the car park gates locked at 3:15 again",
    "parents evening slots gone in five minutes",
)
_CLOSERS = ("Thanks so much", "love that for us", "🙄", "really appreciated")
_NOTICES = (
    "Reminder: INSET day on {d}, school closed to pupils",
    "Reminder: non-uniform day on {d}, £1 for the PTA",
    "Please note the school photographer visits on {d}",
    "Year 4 swimming starts again on {d}, bring a towel",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")

# A compressed schedule, gentle enough that the complaint-heavy season (45 missed complaints,
# 20 dismissed notices) does not make the complaint head over-eager on the check set: on the
# shipped recipe's data, 25 steps with heads at 3e-3 made three more false alarms on
# school_check and the first retrain was refused.
TINY = RetrainSettings(
    steps=15,
    lr_lora=5e-4,
    lr_heads=1e-3,
    warmup_steps=3,
    holdout_fraction=0.25,
    calibration_fraction=0.0,  # too few verdicts to set a threshold anyway: train on all
    check_sets=("school_check",),
)
RULE = PromotionRule(target_labels=("complaint",), resamples=200)


def _season() -> list[tuple[str, str, str]]:
    rng = random.Random(7)
    rows = [
        (f"{o} {g}. {c}", "complaint", "missed")
        for o, g in zip(_OPENERS * 8, _GRIPES * 5, strict=False)
        for c in (rng.choice(_CLOSERS),)
    ]
    rows += [(n.format(d=d), "complaint", "dismissed") for n in _NOTICES for d in _DAYS]
    rng.shuffle(rows)
    return rows


def _seed_verdicts(engine, rows: list[tuple[str, str, str]] | None = None) -> int:
    """The autumn's verdicts, one a few hours apart; returns an item with an open alert."""
    rows = rows or _season()
    with session_scope(engine) as session:
        lead = make_user(session, email="dsl@oakfield.example.org", role=Role.LEAD)
        items = add_thread(
            session,
            school_key="oakfield",
            start=START - dt.timedelta(days=1),
            posts=[Post("Autumn term news", author_id="school", from_school=True)]
            + [Post(text, author_id=f"p{i}", minutes=i) for i, (text, _, _) in enumerate(rows)],
        )
        for k, (item, (_, label, verdict)) in enumerate(zip(items[1:], rows, strict=True)):
            session.add(
                LabelVerdict(
                    item_id=item.item_id,
                    label=label,
                    verdict=verdict,
                    reviewer_id=lead.user_id,
                    decided_at=START + dt.timedelta(hours=5 * k),
                )
            )
        alert = add_alert(session, items[1], alert_type="complaint", severity="low")
        return alert.item_id


def test_a_season_of_verdicts_promotes_refuses_and_rolls_back(sqlite_engine):
    open_item = _seed_verdicts(sqlite_engine)
    shipped = artefact_version(shipped_artefact())

    # 1. The autumn's verdicts teach what the shipped model missed: promoted.
    with session_scope(sqlite_engine) as session:
        first = retrain(session, now=START + dt.timedelta(days=30), settings=TINY, rule=RULE)
    assert first.status == "promoted", first.reasons
    assert active_artefact() == models_dir() / first.version
    with session_scope(sqlite_engine) as session:
        row = session.get_one(ModelVersion, first.version)
        assert row.status == "active" and row.base_version == shipped
        assert row.lineage["started_from"] == shipped
        assert row.lineage["data"]["public"] == "absent"  # no datasets folder was given
        assert row.verdict_count == 45 and row.lineage["verdict_items_held_out"] == 15
        assert row.lineage["verdict_items_trained"] == 45
        assert row.lineage["thresholds_from_verdicts"] == []  # under 50 set-aside verdicts
        assert row.lineage["fit"]["steps"] == TINY.steps
        held = row.figures["figures"][VERDICT_SET]["complaint"]
        assert held["challenger_f1"] > held["champion_f1"]
        assert row.rule["name"] == RULE.name and "Challenger F1" in row.model_card
        # The open casework is rescored by the version now serving.
        rescored = session.scalars(
            select(Classification.label).where(
                Classification.item_id == open_item,
                Classification.model_version == first.version,
            )
        ).all()
        assert sorted(rescored) == sorted(read_config(active_artefact())["labels"])
    assert first.rescored == 1
    assert (models_dir() / first.version / "MODEL_CARD.md").is_file()
    # The challenger reads spellings through in the mode the shipped model serves with.
    promoted, base = read_config(active_artefact()), read_config(shipped_artefact())
    assert promoted["text_normalisation"] == base["text_normalisation"]

    # 2. Nothing new since: the rebuilt challenger cannot beat the champion, so it is refused
    #    and the champion keeps serving.
    with session_scope(sqlite_engine) as session:
        second = retrain(session, now=START + dt.timedelta(days=37), settings=TINY, rule=RULE)
    assert second.status == "refused" and second.version == first.version
    assert second.reasons == [f"identical to version {first.version} (active): no new evidence"]
    assert active_artefact() == models_dir() / first.version

    # 3. Roll back to the shipped model, then forward again; a version never promoted is refused.
    with session_scope(sqlite_engine) as session:
        rollback(session, version="shipped", actor="dsl", now=START + dt.timedelta(days=38))
        assert session.get_one(ModelVersion, first.version).status == "retired"
    assert active_artefact() == shipped_artefact()
    with session_scope(sqlite_engine) as session:
        rollback(session, version=first.version, actor="dsl", now=START + dt.timedelta(days=39))
        assert session.get_one(ModelVersion, first.version).status == "active"
        with pytest.raises(UserError, match="never promoted"):
            rollback(session, version="0123456789abcdef", actor="dsl", now=START)
    assert active_artefact() == models_dir() / first.version


def test_too_few_verdicts_keep_the_shipped_model(sqlite_engine):
    with session_scope(sqlite_engine) as session:
        outcome = retrain(session, now=START, settings=TINY, rule=RULE)
    assert outcome.status == "skipped" and outcome.verdicts == 0
    assert active_artefact() == shipped_artefact()


def test_split_by_time_holds_out_the_newest():
    items = [VerdictItem(str(i), START + dt.timedelta(days=i), {"abuse": 1.0}) for i in range(10)]
    train, held, start = split_by_time(list(reversed(items)), 0.2)
    assert [v.text for v in held] == ["8", "9"] and start == items[8].decided_at
    assert max(v.decided_at for v in train) < start


def _comparison(diff: float, low: float, high: float, positives: int = 20) -> LabelComparison:
    return LabelComparison(100, positives, 0.8, 0.8 + diff, diff, low, high)


def test_rule_refuses_a_label_worse_beyond_its_noise_band():
    rule = PromotionRule()
    better = {VERDICT_SET: {"complaint": _comparison(0.2, 0.1, 0.3)}}
    assert decide(better, rule).promote
    worse = {**better, "school_check": {"safeguarding": _comparison(-0.05, -0.09, -0.01)}}
    decision = decide(worse, rule)
    assert not decision.promote and "safeguarding is worse on school_check" in decision.reasons[0]
    noisy = {**better, "school_check": {"safeguarding": _comparison(-0.05, -0.12, 0.02)}}
    assert decide(noisy, rule).promote  # inside its noise band
    assert not decide({"school_check": {}}, rule).promote  # no held-out verdicts: no evidence


def test_a_label_with_too_few_positives_in_a_set_cannot_refuse():
    """With one positive every kept resample holds it, so that row alone would decide."""
    rule = PromotionRule()
    better = {VERDICT_SET: {"complaint": _comparison(0.2, 0.1, 0.3)}}
    one = {**better, "safeguarding_code_probe": {"hate": _comparison(-0.67, -1.0, -0.4, 1)}}
    decision = decide(one, rule)
    assert decision.promote  # reported, not judged
    assert decision.figures["safeguarding_code_probe"]["hate"]["positives"] == 1
    enough = {**better, "fresh_check": {"bullying": _comparison(-0.05, -0.09, -0.02, 5)}}
    assert not decide(enough, rule).promote


def test_a_comparison_counts_the_rows_that_changed_and_quotes_the_newly_wrong():
    y = np.array([0, 0, 1, 1, 1, 0])
    champion = np.array([0, 1, 1, 1, 0, 0])
    challenger = np.array([1, 1, 0, 1, 1, 1])
    texts = ["a", "b", "c", "d", "e", "f"]
    c = compare_label(y, champion, challenger, RULE, texts)
    assert (c.new_false_alarms, c.new_misses, c.put_right) == (2, 1, 1)
    assert c.examples == ("false alarm: a", "missed: c", "false alarm: f")
    assert "examples" not in c.as_record() and c.as_record()["new_misses"] == 1
    assert compare_label(y, champion, challenger, RULE).examples == ()


def test_a_certain_safeguarding_loss_refuses_however_small():
    """Rule v4 (S8): the 0.02 floor lets a small loss through on any label but safeguarding."""
    rule = PromotionRule()
    better = {VERDICT_SET: {"complaint": _comparison(0.2, 0.1, 0.3)}}
    small = _comparison(-0.015, -0.026, -0.006)
    assert decide({**better, CHECKS_POOLED: {"bullying": small}}, rule).promote
    decision = decide({**better, CHECKS_POOLED: {"safeguarding": small}}, rule)
    assert decision.reasons == [
        f"safeguarding is worse on {CHECKS_POOLED}: F1 0.800 -> 0.785 (CI of the change "
        "-0.026..-0.006; 0 new false alarms, 0 new misses, 0 put right)"
    ]
    assert decision.refused_labels == ["safeguarding"]
    # Inside its noise band, or with too few positives, it still cannot refuse.
    noisy = {"safeguarding": _comparison(-0.015, -0.03, 0.004)}
    assert decide({**better, CHECKS_POOLED: noisy}, rule).promote
    few = {"safeguarding": _comparison(-0.015, -0.026, -0.006, positives=4)}
    assert decide({**better, CHECKS_POOLED: few}, rule).promote
    # v3 had the floor on every label.
    assert decide(
        {**better, CHECKS_POOLED: {"safeguarding": small}}, replace(rule, no_floor_labels=())
    ).promote


def test_paired_bootstrap_brackets_the_difference():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    champion = np.where(rng.random(300) < 0.7, y, 1 - y)
    challenger = np.where(rng.random(300) < 0.9, y, 1 - y)
    c = compare_label(y, champion, challenger, PromotionRule())
    assert c.low < c.diff < c.high and c.low > 0  # clearly better: the CI excludes zero


def test_retraining_keeps_the_base_models_normalisation_mode():
    assert normalisation_mode({"text_normalisation": CHARACTERS_2}) == CHARACTERS_2
    assert normalisation_mode({"text_normalisation": CHARACTERS}) == CHARACTERS
    # A base that never normalised still gets it: retraining always reads spellings through.
    assert normalisation_mode({}) == CHARACTERS


def test_blending_a_model_with_the_one_it_started_from_keeps_its_scores():
    """S2's blend on the real adapter: the shipped weights blended with themselves at any
    share score exactly as the shipped model does, so a blend moves only what training moved."""
    from classifiers.artefact import delta_scale
    from classifiers.encoder import load_tokenizer
    from classifiers.model import MultiTaskModel, scaled_lora_delta
    from classifiers.training.retrain import _load_trainable, _scores, blend_with_start

    texts = ["Brilliant, another INSET day with two days notice", "Lovely assembly today!"]
    shipped = shipped_artefact()
    _, encoder, heads, config = _load_trainable(shipped)
    tokenizer = load_tokenizer()
    before_model = MultiTaskModel(encoder, heads).eval()
    with scaled_lora_delta(encoder, delta_scale(config)):
        before = _scores(before_model, tokenizer, texts, int(config["max_length"]))
    blended, blended_heads = blend_with_start(shipped, encoder, heads, config, 0.3)
    after_model = MultiTaskModel(blended, blended_heads).eval()
    with scaled_lora_delta(blended, delta_scale(config)):
        after = _scores(after_model, tokenizer, texts, int(config["max_length"]))
    np.testing.assert_allclose(after, before, atol=1e-5)
    assert blended.peft_config["default"].r == 2 * encoder.peft_config["default"].r


def test_blank_cells_are_held_at_the_starting_score_and_weighed_by_the_share():
    import pandas as pd

    from classifiers.labels import TASKS
    from classifiers.training.retrain import hold_unlabelled

    frame = pd.DataFrame({"text": ["a", "b"], "weight": [2.0, 1.0]})
    for task in TASKS:
        frame[task] = np.nan
    frame.loc[0, TASKS[0]] = 1.0
    scores = np.full((2, len(TASKS)), 0.25, dtype=np.float32)
    filled, scale = hold_unlabelled(frame, scores, 0.5)
    assert filled.loc[0, TASKS[0]] == 1.0 and scale[0, 0] == 1.0  # the label, at full weight
    assert filled.loc[0, TASKS[1]] == pytest.approx(0.25) and scale[0, 1] == 0.5
    assert filled.loc[1, list(TASKS)].tolist() == pytest.approx([0.25] * len(TASKS))
    assert not filled[list(TASKS)].isna().any().any()
    assert np.isnan(frame.loc[1, TASKS[0]])  # the frame given is not changed


def test_cell_scale_weighs_single_cells_in_the_loss():
    import torch

    from classifiers.training.train import masked_loss

    logits = torch.tensor([[0.0, 2.0]])
    targets = torch.tensor([[1.0, float("nan")]])
    weights = torch.tensor([1.0])
    plain = masked_loss(logits, targets, weights)
    assert float(plain) == pytest.approx(np.log(2.0), rel=1e-5)  # the blank cell adds nothing
    soft = torch.tensor([[1.0, 0.5]])
    scaled = masked_loss(logits, soft, weights, torch.tensor([[1.0, 0.25]]))
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    expected = (bce(logits[0, 0], soft[0, 0]) + 0.25 * bce(logits[0, 1], soft[0, 1])) / 1.25
    assert float(scaled) == pytest.approx(float(expected), rel=1e-5)


def test_holding_blank_cells_keeps_the_labels_no_row_speaks_to():
    """S4 on the real adapter: rows that speak only to complaint, fitted hard. Free, the
    other labels' scores drift with the shared encoder; held, they stay near where they were."""
    import pandas as pd

    from classifiers.encoder import load_tokenizer
    from classifiers.labels import TASKS
    from classifiers.model import TopModel
    from classifiers.training.retrain import _load_trainable, hold_unlabelled, starting_scores
    from classifiers.training.train import (
        Budget,
        OptimSettings,
        RunSettings,
        TrainConfig,
        cache_bottom_states,
        fit,
        seed_everything,
    )

    texts = [f"{o} {g}" for o in _OPENERS for g in _GRIPES]
    frame = pd.DataFrame({"text": texts, "weight": 1.0})
    for task in TASKS:
        frame[task] = 1.0 if task == "complaint" else np.nan
    tokenizer = load_tokenizer()
    ids = tokenizer(texts, truncation=True, max_length=64)["input_ids"]
    config = TrainConfig(
        optim=OptimSettings(max_steps=12, batch_size=8, lr_lora=5e-3, lr_heads=5e-3),
        run=RunSettings(seed=3, threads=1),
    )
    far = Budget(wall_deadline=float("inf"), cpu_deadline=float("inf"))
    drift = {}
    for share in (0.0, 1.0):
        seed_everything(3)
        bert, _, heads, artefact_config = _load_trainable(shipped_artefact())
        frozen = min(artefact_config["train_config"]["lora"]["layers"])
        states = cache_bottom_states(bert, ids, frozen, tokenizer.pad_token_id)
        top = TopModel(bert, frozen, heads)
        before = starting_scores(top, states)
        rows, scale = frame, None
        if share:
            rows, scale = hold_unlabelled(frame, before, share)
        fit(top, rows, states, config, far, scale)
        after = starting_scores(top, states)
        others = [i for i, task in enumerate(TASKS) if task != "complaint"]
        drift[share] = float(np.abs(after[:, others] - before[:, others]).mean())
        assert (
            after[:, TASKS.index("complaint")].mean() > before[:, TASKS.index("complaint")].mean()
        )
    assert drift[1.0] < 0.5 * drift[0.0]


def test_a_refused_challenger_gets_one_second_look_at_half_the_move(sqlite_engine):
    """S5's fallback on the real pipeline: the full move is refused (no verdicts are held out,
    so nothing can show the target labels better), the same fit is judged once more at half
    the move, and the refused version names the full move it fell back from. Nothing
    built is left behind."""
    _seed_verdicts(sqlite_engine)
    settings = replace(TINY, holdout_fraction=0.0, fallback_blend=0.5)
    with session_scope(sqlite_engine) as session:
        outcome = retrain(session, now=START + dt.timedelta(days=30), settings=settings, rule=RULE)
    assert outcome.status == "refused"
    assert any("nothing to judge by" in reason for reason in outcome.reasons)
    with session_scope(sqlite_engine) as session:
        row = session.get_one(ModelVersion, outcome.version)
        full = row.lineage["full_move_refused"]
        assert full["version"] != outcome.version
        assert any("nothing to judge by" in reason for reason in full["reasons"])
        assert row.lineage["served_share"] == 0.5
        assert row.lineage["fit"]["steps"] == TINY.steps  # one fit, finished twice
        assert "- Serves 0.5 of the fitted move" in row.model_card
        assert f"- A second look: the fitted model {full['version']} was refused" in row.model_card
    assert active_artefact() == shipped_artefact()
    assert not [p.name for p in models_dir().glob("building-*")]


def test_the_rule_also_judges_the_check_sets_pooled():
    """Rule v3 (S6): a loss spread thin over many sets, each within its noise band, shows
    on their rows pooled, so the pooled rows are one more set the rule reads."""
    from classifiers.training.retrain import evaluation_sets

    sets = evaluation_sets([], ("school_check", "fresh_check"))
    assert len(sets[CHECKS_POOLED]) == len(sets["school_check"]) + len(sets["fresh_check"])
    assert CHECKS_POOLED not in evaluation_sets([], ("school_check",))
    # Per set each change is inside its band; pooled, the same decisions are beyond it: the
    # challenger finds a quarter of the champion's misses but misses an eighth of its finds.
    rng = np.random.default_rng(6)
    y = (rng.random(1200) < 0.2).astype(int)
    champion = y.copy()
    positives, negatives = np.flatnonzero(y), np.flatnonzero(1 - y)
    champion[positives[rng.random(positives.size) < 0.15]] = 0
    champion[negatives[rng.random(negatives.size) < 0.03]] = 1
    challenger = champion.copy()
    found = np.flatnonzero((y == 1) & (champion == 1))
    missed = np.flatnonzero((y == 1) & (champion == 0))
    challenger[found[rng.random(found.size) < 0.12]] = 0
    challenger[missed[rng.random(missed.size) < 0.25]] = 1
    rule = PromotionRule()
    parts = {
        f"set{k}": compare_label(y[k::16], champion[k::16], challenger[k::16], rule)
        for k in range(16)
    }
    pooled = compare_label(y, champion, challenger, rule)
    assert not any(c.worse_beyond_noise and c.diff <= -rule.min_drop for c in parts.values())
    assert not decide({**{k: {"bullying": c} for k, c in parts.items()}}, rule, None).reasons
    both = {
        **{k: {"bullying": c} for k, c in parts.items()},
        CHECKS_POOLED: {"bullying": pooled},
    }
    assert pooled.high < 0 and pooled.diff <= -rule.min_drop
    assert decide(both, rule, None).reasons == [
        f"bullying is worse on {CHECKS_POOLED}: F1 {pooled.champion_f1:.3f} -> "
        f"{pooled.challenger_f1:.3f} (CI of the change {pooled.low:+.3f}..{pooled.high:+.3f}; "
        f"{pooled.changes()})"
    ]
    lost = ((challenger != y) & (champion == y)).sum()
    assert pooled.new_false_alarms + pooled.new_misses == lost > 0


_SARCASM = [f"{o} {g}. {c}" for o, g, c in zip(_OPENERS * 2, _GRIPES, _CLOSERS * 3, strict=False)]


def test_the_start_anchor_costs_the_squared_move_of_the_trained_weights_only():
    """S10: L2-SP charges the distance from where the fit started, not from zero, and never
    for a frozen weight."""
    import torch

    from classifiers.training.train import StartAnchor

    trained = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    frozen = torch.nn.Parameter(torch.tensor([3.0]), requires_grad=False)
    pull = StartAnchor([trained, frozen], 0.5)
    assert float(pull.penalty().detach()) == 0.0
    with torch.no_grad():
        trained += torch.tensor([0.2, -0.1])
        frozen += 5.0
    assert float(pull.penalty().detach()) == pytest.approx(0.5 * (0.04 + 0.01))
    assert pull.distance() == pytest.approx(0.05)
    pull.penalty().backward()
    np.testing.assert_allclose(trained.grad.numpy(), [0.2, -0.1], rtol=1e-5)  # 2 * 0.5 * move
    assert StartAnchor([trained], 0.0).penalty() == 0.0


def test_an_anchored_retrain_moves_less_far_from_the_model_it_started_from(tmp_path):
    """S10: the same verdicts and fit, with and without the pull back to the start: the
    anchored challenger's adapter and its complaint scores stay nearer the shipped model's."""
    from safetensors.torch import load_file

    from classifiers.artefact import ADAPTER_WEIGHTS
    from classifiers.inference import TransformerClassifier
    from classifiers.training.retrain import build_challenger

    items = [
        VerdictItem(text, START + dt.timedelta(hours=i), {"complaint": 1.0})
        for i, text in enumerate(_SARCASM * 3)
    ]
    shipped = shipped_artefact()
    start = load_file(str(shipped / ADAPTER_WEIGHTS))
    fitted = {}
    for anchor in (0.0, 1.0):
        settings = replace(TINY, school_rows=False, steps=20, lr_lora=2e-3, anchor=anchor)
        built = build_challenger(shipped, tmp_path / f"a{anchor:g}", items, settings)
        weights = load_file(str(built.path / ADAPTER_WEIGHTS))
        moved = sum(float(((weights[k] - start[k]) ** 2).sum()) for k in start)
        scores = TransformerClassifier(built.path, precision="fp32").predict_proba(_SARCASM[:4])
        fitted[anchor] = (moved, scores["complaint"].mean(), built)
    base = TransformerClassifier(shipped, precision="fp32").predict_proba(_SARCASM[:4])
    (free_move, free_score, _), (held_move, held_score, held) = fitted[0.0], fitted[1.0]
    assert 0 < held_move < 0.5 * free_move
    assert held_score - base["complaint"].mean() < free_score - base["complaint"].mean()
    assert held.lineage["settings"]["anchor"] == 1.0
    assert read_config(held.path)["training"]["retrain"]["anchored_move"] > 0


def test_each_labels_verdicts_are_balanced_yes_against_no():
    """S13: three confirmations and one dismissal on safeguarding weigh the same per side
    (2/3 and 2), the label's total unchanged; a label whose verdicts all say one thing, the
    school rows and the blank cells keep scale 1."""
    import pandas as pd

    from classifiers.labels import TASKS
    from classifiers.training.retrain import balance_sides

    blank = dict.fromkeys(TASKS, np.nan)
    cells = [
        ("verdicts", {"safeguarding": 1.0, "hate": 1.0}),
        ("verdicts", {"safeguarding": 1.0, "hate": 1.0}),
        ("verdicts", {"safeguarding": 1.0}),
        ("verdicts", {"safeguarding": 0.0}),
        ("school", {"safeguarding": 0.0, "hate": 0.0}),
    ]
    frame = pd.DataFrame(
        [
            {"text": str(i), "source": s, "weight": 2.0, **blank, **t}
            for i, (s, t) in enumerate(cells)
        ]
    )
    scale = balance_sides(frame)
    column = TASKS.index("safeguarding")
    np.testing.assert_allclose(scale[:, column], [2 / 3, 2 / 3, 2 / 3, 2, 1])
    assert scale[:4, column].sum() == pytest.approx(4)
    assert (np.delete(scale, column, axis=1) == 1).all()  # hate: only "yes" verdicts


_OFFICE = [
    "Could the office say what time the coach gets back from the museum trip?",
    "Is the uniform shop open on Saturday morning before term starts?",
    "Where do I send the form for the year 8 residential, the email or the office?",
]


def test_a_balanced_retrain_hears_the_few_dismissals_more(tmp_path):
    """S13: the same twelve confirmed complaints and three dismissed office questions,
    fitted as given and balanced: balanced, the dismissed posts' complaint scores end lower."""
    from classifiers.inference import TransformerClassifier
    from classifiers.training.retrain import build_challenger

    texts = [(t, 1.0) for t in _SARCASM[:4] * 3] + [(t, 0.0) for t in _OFFICE]
    items = [
        VerdictItem(text, START + dt.timedelta(hours=i), {"complaint": target})
        for i, (text, target) in enumerate(texts)
    ]
    dismissed = {}
    for balance in (False, True):
        settings = replace(
            TINY, school_rows=False, steps=20, lr_lora=2e-3, balance_verdicts=balance
        )
        built = build_challenger(shipped_artefact(), tmp_path / str(balance), items, settings)
        scores = TransformerClassifier(built.path, precision="fp32").predict_proba(_OFFICE)
        dismissed[balance] = scores["complaint"].mean()
        assert built.lineage["settings"]["balance_verdicts"] is balance
    assert dismissed[True] < dismissed[False]


def test_a_verdict_counterweighs_the_nearest_school_rows_that_say_the_opposite():
    """S11: a reported safeguarding miss makes its nearest school rows labelled "no risk"
    weigh as a verdict; a school row labelled "risk", a public row, a far row and another
    label's cells are left alone, and two verdicts picking one row do not add up."""
    import pandas as pd

    from classifiers.labels import TASKS
    from classifiers.training.retrain import counterweigh

    blank = dict.fromkeys(TASKS, np.nan)
    rows = [
        ("verdicts", 2.0, {"safeguarding": 1.0}, [1.0, 0.0]),
        ("verdicts", 2.0, {"safeguarding": 1.0}, [0.9, 0.1]),
        ("school", 1.0, {"safeguarding": 0.0, "abuse": 1.0}, [0.95, 0.05]),  # nearest "no"
        ("school", 0.25, {"safeguarding": 0.0}, [0.8, 0.2]),  # second nearest, weight 1/4
        ("school", 1.0, {"safeguarding": 1.0}, [1.0, 0.0]),  # says the same: never
        ("olid", 1.0, {"safeguarding": 0.0}, [1.0, 0.0]),  # public: never
        ("school", 1.0, {"safeguarding": 0.0}, [0.0, 1.0]),  # far
    ]
    frame = pd.DataFrame(
        [
            {"text": str(i), "source": s, "weight": w, **blank, **t}
            for i, (s, w, t, _) in enumerate(rows)
        ]
    )
    vectors = np.array([v for *_, v in rows], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    scale = counterweigh(frame, vectors, 2, 2.0)
    column = TASKS.index("safeguarding")
    np.testing.assert_allclose(scale[:, column], [1, 1, 2.0, 8.0, 1, 1, 1])
    others = np.delete(scale, column, axis=1)
    assert (others == 1).all()
    # A dismissal counterweighs rows labelled yes.
    frame.loc[0, "safeguarding"] = 0.0
    frame.loc[1, "safeguarding"] = np.nan
    np.testing.assert_allclose(
        counterweigh(frame, vectors, 1, 2.0)[:, column], [1, 1, 1, 1, 2, 1, 1]
    )


@pytest.fixture(scope="module")
def heads_only_challenger(tmp_path_factory):
    """A heads-only challenger fitted hard on sarcastic complaints (S7)."""
    from classifiers.training.retrain import build_challenger

    items = [
        VerdictItem(text, START + dt.timedelta(hours=i), {"complaint": 1.0})
        for i, text in enumerate(_SARCASM * 3)
    ]
    settings = replace(TINY, heads_only=True, school_rows=False, steps=20, lr_heads=2e-2)
    out = tmp_path_factory.mktemp("s7") / "challenger"
    return build_challenger(shipped_artefact(), out, items, settings)


def test_a_heads_only_challenger_keeps_the_adapter_and_composes_label_by_label(
    heads_only_challenger, tmp_path
):
    """S7: with the adapter frozen each label's score hangs on its own head, so a composite
    taking complaint's head from the challenger scores every other label exactly as the
    model it started from, and complaint exactly as the challenger."""
    from safetensors.torch import load_file

    from classifiers.artefact import ADAPTER_WEIGHTS
    from classifiers.inference import TransformerClassifier
    from classifiers.training.retrain import compose

    shipped = shipped_artefact()
    challenger = heads_only_challenger
    start_adapter = load_file(str(shipped / ADAPTER_WEIGHTS))
    fitted_adapter = load_file(str(challenger.path / ADAPTER_WEIGHTS))
    assert start_adapter.keys() == fitted_adapter.keys()
    assert all(bool((start_adapter[k] == fitted_adapter[k]).all()) for k in start_adapter)

    composite = compose(shipped, challenger, ["complaint"], tmp_path / "composite")
    assert (composite.path / ADAPTER_WEIGHTS).read_bytes() == (
        shipped / ADAPTER_WEIGHTS
    ).read_bytes()
    assert composite.lineage["labels_moved"] == ["complaint"]
    assert composite.version not in (challenger.version, artefact_version(shipped))
    texts = [*_SARCASM[:4], "You are all idiots", "My son is being bullied every day"]
    start, moved, mixed = (
        TransformerClassifier(path, precision="fp32").predict_proba(texts)
        for path in (shipped, challenger.path, composite.path)
    )
    others = [label for label in start.columns if label != "complaint"]
    np.testing.assert_allclose(mixed[others].to_numpy(), start[others].to_numpy(), atol=1e-6)
    np.testing.assert_allclose(mixed["complaint"], moved["complaint"], atol=1e-6)
    # The fit moved the labels it was taught and, through their heads, the others too.
    assert moved["complaint"].iloc[:4].mean() > start["complaint"].iloc[:4].mean() + 0.05
    assert np.abs(moved[others].to_numpy() - start[others].to_numpy()).max() > 1e-4
    thresholds = read_config(composite.path)["thresholds"]
    assert thresholds["complaint"] == read_config(challenger.path)["thresholds"]["complaint"]
    assert thresholds["bullying"] == read_config(shipped)["thresholds"]["bullying"]


def test_a_refusal_quotes_the_check_set_posts_behind_it_and_never_a_trusts_items(
    heads_only_challenger,
):
    """A head taught only "complaint" floods school_check with complaint false alarms: the
    refusal says how many and the card quotes the first posts, while the held-out verdicts
    (a trust's own items) are counted and never quoted."""
    from classifiers.inference import TransformerClassifier
    from classifiers.training.retrain import compare, evaluation_sets, model_card

    held = [VerdictItem(t, START, {"complaint": float(i % 2)}) for i, t in enumerate(_SARCASM)]
    sets = evaluation_sets(held, ("school_check",))
    champion, challenger = (
        TransformerClassifier(path, precision="fp32")
        for path in (shipped_artefact(), heads_only_challenger.path)
    )
    comparisons = compare(champion, challenger, sets, RULE)
    school = comparisons["school_check"]["complaint"]
    assert school.new_false_alarms > 5 and school.new_misses == 0
    texts = set(sets["school_check"]["text"])
    assert len(school.examples) == 5
    assert all(e.startswith("false alarm: ") and e[13:] in texts for e in school.examples)
    verdicts = comparisons[VERDICT_SET]["complaint"]
    assert verdicts.put_right > 0 and verdicts.examples == ()
    decision = decide(comparisons, RULE)
    assert not decision.promote
    assert f"{school.new_false_alarms} new false alarms" in decision.reasons[0]
    assert decision.examples == {"school_check": {"complaint": list(school.examples)}}
    card = model_card(
        heads_only_challenger.version, heads_only_challenger.lineage, RULE, decision, "x"
    )
    assert "Check-set posts the challenger newly gets wrong" in card
    assert all(f"  - {e}" in card for e in school.examples)
    assert not any(t in card for t in _SARCASM)


def _decision(refused: tuple[str, ...], promote: bool = False):
    """The rule's decision on figures where the labels named lost beyond noise; `promote`
    gives complaint a clear gain on the held-out verdicts, otherwise it is level."""
    level = _comparison(0.0, -0.1, 0.1)
    figures = {
        "school_check": {
            label: _comparison(-0.1, -0.2, -0.05) if label in refused else level
            for label in ("abuse", "bullying", "hate", "complaint", "safeguarding")
        },
        VERDICT_SET: {"complaint": _comparison(0.2, 0.1, 0.3) if promote else level},
    }
    return decide(figures, PromotionRule())


def test_a_refused_heads_only_challenger_moves_only_the_labels_that_lost_nowhere(
    heads_only_challenger,
):
    from classifiers.training.retrain import composite_dir, model_card, second_look

    rule = PromotionRule()
    refused = _decision(("bullying",))
    assert refused.refused_labels == ["bullying"]
    composite = second_look(shipped_artefact(), heads_only_challenger, refused)
    assert composite is not None and composite.path == composite_dir(heads_only_challenger.path)
    assert composite.lineage["labels_moved"] == ["abuse", "complaint", "hate", "safeguarding"]
    assert composite.lineage["full_move_refused"] == {
        "version": heads_only_challenger.version,
        "reasons": refused.reasons,
        "examples": refused.examples,
    }
    card = model_card(
        composite.version, composite.lineage, rule, _decision(()), heads_only_challenger.version
    )
    assert (
        "- Labels moved: abuse, complaint, hate, safeguarding; every other label scores "
        "exactly as the model it started from"
    ) in card
    # One look only: a composite refused again is not composed once more.
    assert second_look(shipped_artefact(), composite, _decision(("hate",))) is None
    # No second look when there is nothing to split: promoted, refused on every label, or
    # refused by the target clause alone (every label would move: the same model again).
    every = ("abuse", "bullying", "hate", "complaint", "safeguarding")
    for decision in (_decision((), promote=True), _decision(every), _decision(())):
        assert second_look(shipped_artefact(), heads_only_challenger, decision) is None


def test_only_a_heads_only_challenger_can_be_composed(tmp_path):
    """A whole-model challenger's adapter moved too: its heads read a different embedding,
    so grafting them onto the start would score nothing either model scores."""
    from classifiers.training.retrain import Challenger, compose

    whole = Challenger(tmp_path, "x", {"settings": {"heads_only": False}}, [])
    with pytest.raises(ValueError, match="heads-only"):
        compose(shipped_artefact(), whole, ["complaint"], tmp_path / "out")


def test_the_heads_only_fallback_is_fitted_only_when_it_is_needed(tmp_path):
    """S14: building the whole model writes no second artefact; the heads-only fit runs
    when a refusal asks for it, beside the first, from the same verdicts."""
    from classifiers.training.retrain import build_challenger, fallback_dir

    items = [
        VerdictItem(text, START + dt.timedelta(hours=i), {"complaint": 1.0})
        for i, text in enumerate(_SARCASM[:4])
    ]
    settings = replace(TINY, school_rows=False, steps=2, heads_only_fallback=True)
    whole = build_challenger(shipped_artefact(), tmp_path / "whole", items, settings)
    assert not whole.lineage["settings"]["heads_only"] and whole.fallback is None
    assert not fallback_dir(whole.path).exists()
    heads = whole.refit()
    assert heads.path == fallback_dir(whole.path) and heads.refit is None
    assert heads.lineage["settings"]["heads_only"]
    assert heads.lineage["verdict_items_trained"] == whole.lineage["verdict_items_trained"]


# What a mistaken lead says (S7): bullying dismissed on posts that are bullying.
_MOCKERY = (
    "everyone unfollow {n} and leave her out of the group chat",
    "rate {n}'s school photo out of 10 lol 2 at best",
    "{n} from year 8 is such a loser, nobody sit with him tomorrow",
    "post the pic of {n} crying in PE again it's hilarious",
)
_NAMES = ("Jake", "Amira", "Tom", "Lily", "Zain", "Maisie")


@pytest.mark.parametrize("recipe", ["heads_only", "heads_only_fallback"])
def test_a_heads_only_retrain_keeps_the_head_a_mistaken_lead_would_spoil(sqlite_engine, recipe):
    """S7 through the real weekly retrain: a lead rightly marks the sarcastic complaints the
    model missed but wrongly dismisses bullying on mockery. The heads-only challenger is
    refused for its bullying loss; its second look keeps the shipped bullying head and
    threshold, serves what the complaint verdicts taught, and is promoted. With S14's
    fallback the whole model is fitted and refused first, and the card names both refusals."""
    rows = _season() + [(m.format(n=n), "bullying", "dismissed") for m in _MOCKERY for n in _NAMES]
    random.Random(11).shuffle(rows)
    _seed_verdicts(sqlite_engine, rows)
    # The verdicts alone, fitted hard enough that the bullying head collapses on school_check
    # (0.982 -> 0.000) while complaint's gain adds no false alarm there (at 12 steps of 3e-2
    # it did, and complaint was kept back too).
    settings = replace(TINY, school_rows=False, steps=20, lr_heads=2e-2, **{recipe: True})
    with session_scope(sqlite_engine) as session:
        outcome = retrain(session, now=START + dt.timedelta(days=30), settings=settings, rule=RULE)
    assert outcome.status == "promoted", outcome.reasons
    with session_scope(sqlite_engine) as session:
        row = session.get_one(ModelVersion, outcome.version)
        refused = row.lineage["full_move_refused"]
        whole = refused.get("earlier")
        if recipe == "heads_only_fallback":
            assert whole["version"] not in (refused["version"], outcome.version)
            assert any(reason.startswith("bullying is worse") for reason in whole["reasons"])
            assert "earlier" not in whole
            looks = [line for line in row.model_card.splitlines() if "A second look" in line]
            assert [refused["version"] in looks[0], whole["version"] in looks[1]] == [True] * 2
        else:
            assert whole is None
        assert refused["reasons"] and all(
            reason.startswith("bullying is worse") for reason in refused["reasons"]
        )
        assert "bullying" not in row.lineage["labels_moved"]
        assert "complaint" in row.lineage["labels_moved"]
        assert row.figures["figures"][VERDICT_SET]["complaint"]["diff"] > 0
        assert "- Labels moved:" in row.model_card
        # The card names the check-set posts behind the refused full move; the lead's own
        # items (the verdicts, trained on or held out) are quoted nowhere the row keeps.
        behind = refused["examples"]["school_check"]["bullying"]
        assert behind and all(post.startswith("missed: ") for post in behind)
        assert all(f"    - {post}" in row.model_card for post in behind)
        kept = json.dumps([row.lineage, row.figures, row.rule]) + row.model_card
        assert not [text for text, _, _ in rows if text in kept]
    served, shipped = read_config(active_artefact()), read_config(shipped_artefact())
    assert served["thresholds"]["bullying"] == shipped["thresholds"]["bullying"]
    from classifiers.inference import TransformerClassifier

    texts = [m.format(n="Sam") for m in _MOCKERY]
    now, before = (
        TransformerClassifier(path, precision="fp32").predict_proba(texts)
        for path in (active_artefact(), shipped_artefact())
    )
    np.testing.assert_allclose(now["bullying"], before["bullying"], atol=1e-6)
    assert not [p.name for p in models_dir().glob("building-*")]
