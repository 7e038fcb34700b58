"""S1's simulated season (classifiers/training/verdict_season.py): what the simulated lead says
about each flag and miss, how the season is spread and split, and one tiny end-to-end run on
the real model, probes and retraining code."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from classifiers.labels import LABELS
from classifiers.training.retrain import RetrainSettings, split_by_time
from classifiers.training.school import CHECK_FILES
from classifiers.training.verdict_season import (
    POOLED,
    SEASON_PAIRS,
    SEASON_START,
    SEASON_WEEKS,
    WRONG,
    build_control,
    fold_sets,
    format_season,
    lead_verdicts,
    misjudge,
    rule_sets,
    run_season,
    simulate_season,
)
from trustwatch.verdicts import CONFIRMED, DISMISSED, MISSED, SHOULD_BE


def test_a_lead_confirms_right_flags_and_names_the_label_a_wrong_flag_should_have_been():
    said = lead_verdicts({"abuse", "hate"}, {"abuse", "complaint"}, report_miss=True)
    # The hate the model missed is named once, on the wrong complaint flag, not again as a miss.
    assert said == [(CONFIRMED, "abuse", None), (SHOULD_BE, "complaint", "hate")]


def test_a_wrong_flag_with_nothing_missed_is_dismissed_and_misses_need_reporting():
    assert lead_verdicts(set(), {"complaint"}, report_miss=True) == [(DISMISSED, "complaint", None)]
    assert lead_verdicts({"bullying"}, set(), report_miss=False) == []
    assert lead_verdicts({"bullying", "hate"}, set(), report_miss=True) == [
        (MISSED, "bullying", None),
        (MISSED, "hate", None),
    ]


def _frame(rows: list[dict[str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"text": f"post {i}", **{label: r.get(label, 0) for label in LABELS}}
            for i, r in enumerate(rows)
        ]
    )


def test_the_season_teaches_what_the_verdicts_say_and_nothing_about_other_labels():
    truth = _frame([{"abuse": 1}, {"complaint": 1}, {}, {"safeguarding": 1}] * 10)
    flags = _frame([{"abuse": 1}, {"abuse": 1}, {}, {}] * 10).drop(columns="text").astype(bool)
    everything = simulate_season(truth, flags, missed_share=1.0)
    assert everything.counts == {CONFIRMED: 10, DISMISSED: 0, SHOULD_BE: 10, MISSED: 10}
    by_text = {item.text: item.targets for item in everything.items}
    assert by_text["post 0"] == {"abuse": 1.0}
    assert by_text["post 1"] == {"abuse": 0.0, "complaint": 1.0}
    assert by_text["post 3"] == {"safeguarding": 1.0}
    assert "post 2" not in by_text  # nothing flagged, nothing to miss: no verdict, no row

    alerts_only = simulate_season(truth, flags, missed_share=0.0)
    assert alerts_only.counts[MISSED] == 0 and len(alerts_only.items) == 20


def test_a_careless_lead_gets_one_click_verdicts_the_wrong_way_round():
    """S9: a confirmation becomes a dismissal and back; reports of misses and "should have
    been" are kept, since a lead writes those on purpose."""
    import random

    said = [(CONFIRMED, "abuse", None), (DISMISSED, "hate", None), (SHOULD_BE, "complaint", "hate")]
    said.append((MISSED, "bullying", None))
    assert misjudge(said, 0.0, random.Random(1)) == (said, 0)
    flipped, wrong = misjudge(said, 0.999, random.Random(1))
    assert wrong == 2
    assert flipped == [
        (DISMISSED, "abuse", None),
        (CONFIRMED, "hate", None),
        (SHOULD_BE, "complaint", "hate"),
        (MISSED, "bullying", None),
    ]


def test_a_careless_leads_season_teaches_the_opposite_on_the_verdicts_it_got_wrong():
    truth = _frame([{"abuse": 1}, {}] * 100)
    flags = _frame([{"abuse": 1}, {"abuse": 1}] * 100).drop(columns="text").astype(bool)
    careful = simulate_season(truth, flags, missed_share=0.5)
    assert simulate_season(truth, flags, 0.5, lead_error=0.0) == careful
    careless = simulate_season(truth, flags, 0.5, lead_error=0.2)
    assert WRONG not in careful.counts and 20 <= careless.counts[WRONG] <= 60
    right = {item.text: item.targets for item in careful.items}
    taught = {item.text: item.targets for item in careless.items}
    flips = [text for text in right if taught[text] != right[text]]
    assert len(flips) == careless.counts[WRONG]
    assert all(taught[t]["abuse"] == 1.0 - right[t]["abuse"] for t in flips)
    # The order of the term, and so what is held out by time, does not move.
    assert [i.text for i in careless.items] == [i.text for i in careful.items]


def test_decisions_are_spread_over_the_term_so_the_held_out_fifth_mixes_every_file():
    truth = _frame([{"abuse": 1}] * 50 + [{"complaint": 1}] * 50)
    flags = truth.drop(columns="text").astype(bool)
    season = simulate_season(truth, flags, missed_share=0.5, seed=13)
    times = [item.decided_at for item in season.items]
    assert times == sorted(times) and times[0] == SEASON_START
    assert times[-1] - times[0] < pd.Timedelta(weeks=SEASON_WEEKS)
    _, held_out, _ = split_by_time(season.items, 0.2)
    kinds = {next(iter(item.targets)) for item in held_out}
    assert kinds == {"abuse", "complaint"}
    assert simulate_season(truth, flags, 0.5, seed=13) == season  # seeded: reproducible


def test_each_fold_reviews_one_probe_of_each_pair_and_is_judged_on_the_others():
    first_pool, first_judged = fold_sets("first")
    second_pool, second_judged = fold_sets("second")
    assert first_pool == list(SEASON_PAIRS) and second_pool == list(SEASON_PAIRS.values())
    for pool, judged in ((first_pool, first_judged), (second_pool, second_judged)):
        assert not set(pool) & set(judged)
        assert "fresh_check" in judged
        assert set(pool) | set(judged) <= set(CHECK_FILES)
    with pytest.raises(ValueError, match="fold"):
        fold_sets("third")
    # The weekly rule judges on every frozen check set (S3), except the reviewed probes.
    judged_by = rule_sets(RetrainSettings().check_sets, first_pool)
    assert set(judged_by) == set(CHECK_FILES) - set(first_pool)
    assert {"school_check", "fresh_check", *first_judged} <= set(judged_by)


def test_a_tiny_season_builds_a_challenger_and_scores_it_against_champion_and_control(
    tmp_path: Path,
):
    settings = replace(
        RetrainSettings(), steps=3, warmup_steps=1, threads=2, check_sets=("school_check",)
    )
    result = run_season(tmp_path, "first", 0.5, settings)

    written = json.loads((tmp_path / "first-missed0.5.json").read_text())
    assert written == json.loads(json.dumps(result))
    assert result["items"]["trained"] + result["items"]["held_out"] <= 318
    assert result["items"]["held_out"] == round(
        (result["items"]["trained"] + result["items"]["held_out"]) * 0.2
    )
    assert sum(result["verdicts"].values()) >= result["items"]["trained"]
    assert result["challenger"] != result["control"]
    pooled = result["vs_champion"][POOLED]
    assert set(pooled) == set(LABELS)
    assert pooled["abuse"]["n"] == 317 + 198
    assert isinstance(result["trust_rule"]["promote"], bool)
    assert result["trust_rule"]["check_sets"] == ["school_check"]
    table = format_season(result)
    assert "| all_judged | mean |" in table and "the trust's rule" in table
    # Under a refusal, the check-set posts behind it are printed with the table.
    quoted = [
        f"  {label} on {name}, newly wrong: {post}"
        for name, labels in result["trust_rule"]["examples"].items()
        for label, posts in labels.items()
        for post in posts
    ]
    assert all(line in table.splitlines() for line in quoted)
    quoting = {"school_check": {"abuse": ["false alarm: You lot are idiots"]}}
    refused = {**result, "trust_rule": {**result["trust_rule"], "examples": quoting}}
    assert "  abuse on school_check, newly wrong: false alarm: You lot are idiots" in (
        format_season(refused).splitlines()
    )
    # S14: a whole model refused, then the heads alone refused, then their composite served.
    whole = {"version": "w" * 16, "reasons": ["safeguarding is worse on school_check"]}
    heads = {"version": "h" * 16, "reasons": ["bullying is worse on school_check"]}
    chained = {**result, "refused_looks": [whole, heads]}
    lines = format_season({**chained, "labels_moved": ["hate"]}).splitlines()
    assert f"first, {'w' * 16} was refused (safeguarding is worse on school_check)" in lines
    assert any(line.startswith(f"the challenger {'h' * 16} was refused") for line in lines)
    served_heads = {**chained, "refused_looks": [whole]}
    assert any(
        line.endswith("the challenger above is the heads alone, fitted again")
        for line in format_season({**served_heads, "labels_moved": None}).splitlines()
    )

    # The control is built once and reused by the next run.
    control = (tmp_path / "control" / "config.json").stat().st_mtime_ns
    assert build_control(tmp_path / "control", settings, None) == tmp_path / "control"
    assert (tmp_path / "control" / "config.json").stat().st_mtime_ns == control


def test_a_runs_name_carries_every_option_that_sets_its_recipe_apart():
    from classifiers.training.verdict_season import recipe_suffix

    assert recipe_suffix(RetrainSettings()) == ""
    recipe = replace(
        RetrainSettings(), blend=0.5, keep_unlabelled=0.5, fallback_blend=0.25, heads_only=True
    )
    assert recipe_suffix(recipe, Path("data")) == "-blend0.5-data-keep0.5-heads-fallback0.25"
    assert recipe_suffix(replace(RetrainSettings(), seed=14)) == "-seed14"
    assert recipe_suffix(replace(RetrainSettings(), anchor=0.01)) == "-anchor0.01"
    assert recipe_suffix(replace(RetrainSettings(), counterweights=3)) == "-counter3"
    assert recipe_suffix(replace(RetrainSettings(), balance_verdicts=True)) == "-balanced"
    assert recipe_suffix(replace(RetrainSettings(), heads_only_fallback=True)) == "-hfallback"
