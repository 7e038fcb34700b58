"""Does the verdict loop learn? A season of informative verdicts, judged on posts written apart.

`benchmarks/retrain.py` reuses hand-written training texts as verdicts, so its promotion
shows that the pipeline runs, not that a lead's verdicts teach the model anything. Here the
verdicts are on school posts the shipped model never trained on: one of each pair of
probes written apart (`SEASON_PAIRS`). A simulated lead reviews every label the serving model
flags on them (confirmed; dismissed; or, when another label was the right one, "should have
been" that label) and reports a share of what it missed ("the model missed this"). The
challenger `trustwatch model retrain` would build from those verdicts is then scored beside
the serving model, and beside a control challenger built the same way with no verdicts, on
posts other hands wrote: each probe's twin and `fresh_check`. The trust's own promotion rule
is also applied, as the weekly run would. Nothing here is served or committed as a model.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from classifiers.active import shipped_artefact
from classifiers.inference import TransformerClassifier
from classifiers.labels import LABELS
from classifiers.layout import CONFIG_FILE
from classifiers.training.promotion import LabelComparison, PromotionRule, decide
from classifiers.training.retrain import (
    RetrainSettings,
    VerdictItem,
    build_challenger,
    compare,
    evaluation_sets,
    second_look,
    split_by_time,
)
from classifiers.training.school import categorised, check_sets
from trustwatch.verdicts import CONFIRMED, DISMISSED, MISSED, SHOULD_BE, training_targets

# Each probe and its twin, written apart by different hands from briefs naming the same kinds.
SEASON_PAIRS: dict[str, str] = {
    "coded_probe": "coded_probe_2",
    "hate_code_probe": "hate_code_probe_2",
    "safeguarding_code_probe": "safeguarding_code_probe_2",
    "complaint_group_probe": "complaint_group_probe_2",
}
# Judged in every fold: the held-out school messages, related to no probe by construction.
ALWAYS_JUDGED = ("fresh_check",)
POOLED = "all_judged"
SEASON_START = dt.datetime(2026, 9, 7, 8, 0, tzinfo=dt.UTC)
SEASON_WEEKS = 12
WRONG = "of which wrong"  # a count only: verdicts the simulated lead got the wrong way round


@dataclass(frozen=True)
class Season:
    """The simulated verdicts and how many of each kind the lead gave."""

    items: list[VerdictItem]
    counts: dict[str, int]


def fold_sets(fold: str) -> tuple[list[str], list[str]]:
    """(probes the lead reviews, sets the result is judged on) for fold `first` or `second`."""
    if fold == "first":
        pool, twins = list(SEASON_PAIRS), list(SEASON_PAIRS.values())
    elif fold == "second":
        pool, twins = list(SEASON_PAIRS.values()), list(SEASON_PAIRS)
    else:
        raise ValueError(f"fold must be 'first' or 'second', not {fold!r}")
    return pool, [*twins, *ALWAYS_JUDGED]


def lead_verdicts(truth: set[str], flagged: set[str], report_miss: bool) -> list[tuple]:
    """What one careful lead says about one item: (verdict, label, should_be) triples.

    Every flag gets a verdict; a wrong flag names the right label when the item has one the
    model did not flag (the alert page's one click). A miss is reported only if `report_miss`
    (leads find misses by reading the mention view, so not all of them).
    """
    missed = [label for label in LABELS if label in truth and label not in flagged]
    said: list[tuple] = []
    named: set[str] = set()
    for label in LABELS:
        if label not in flagged:
            continue
        if label in truth:
            said.append((CONFIRMED, label, None))
        elif missed and missed[0] not in named:
            said.append((SHOULD_BE, label, missed[0]))
            named.add(missed[0])
        else:
            said.append((DISMISSED, label, None))
    if report_miss:
        said += [(MISSED, label, None) for label in missed if label not in named]
    return said


def misjudge(said: list[tuple], error: float, rng: random.Random) -> tuple[list[tuple], int]:
    """A lead's one-click verdicts with a share `error` of them the wrong way round (a
    confirmed label dismissed, a dismissed one confirmed); reports of misses and "should
    have been" stay as given. Returns the verdicts and how many were wrong."""
    flip = {CONFIRMED: DISMISSED, DISMISSED: CONFIRMED}
    out, wrong = [], 0
    for verdict, label, should_be in said:
        if verdict in flip and rng.random() < error:
            verdict, wrong = flip[verdict], wrong + 1
        out.append((verdict, label, should_be))
    return out, wrong


def simulate_season(
    truth: pd.DataFrame,
    flags: pd.DataFrame,
    missed_share: float,
    seed: int = 13,
    lead_error: float = 0.0,
) -> Season:
    """Verdicts on every item of `truth` (text + 0/1 label columns) given the model's `flags`.

    Decisions are spread over a term in a seeded random order, so the newest fifth that
    retraining holds out by time is a fair draw of every probe, not the last file read.
    The lead's errors (S9) come from a stream of their own, so a careful lead's season is
    the same whatever `lead_error` another run used.
    """
    rng = random.Random(seed)
    errors = random.Random(f"lead-error-{seed}")
    order = list(range(len(truth)))
    rng.shuffle(order)
    step = dt.timedelta(weeks=SEASON_WEEKS) / max(len(order), 1)
    counts = {CONFIRMED: 0, DISMISSED: 0, SHOULD_BE: 0, MISSED: 0}
    items: list[VerdictItem] = []
    for rank, i in enumerate(order):
        row = truth.iloc[i]
        known = {label for label in LABELS if label in row and row[label] == 1}
        flagged = {label for label in LABELS if bool(flags.iloc[i][label])}
        said = lead_verdicts(known, flagged, rng.random() < missed_share)
        if lead_error:
            said, wrong = misjudge(said, lead_error, errors)
            counts[WRONG] = counts.get(WRONG, 0) + wrong
        targets: dict[str, float] = {}
        for verdict, label, should_be in said:
            counts[verdict] += 1
            for target, value in training_targets(verdict, label, should_be).items():
                targets[target] = max(value, targets.get(target, 0.0))
        if targets:
            items.append(VerdictItem(str(row["text"]), SEASON_START + rank * step, targets))
    items.sort(key=lambda v: v.decided_at)
    return Season(items, counts)


def judged_sets(names: list[str]) -> dict[str, pd.DataFrame]:
    """The named check sets as retraining scores them, plus every row of them pooled."""
    every = check_sets()
    sets = {name: every[name] for name in names}
    return {**sets, POOLED: pd.concat(list(sets.values()), ignore_index=True)}


def _records(comparisons: dict[str, dict[str, LabelComparison]]) -> dict[str, Any]:
    return {s: {k: c.as_record() for k, c in labels.items()} for s, labels in comparisons.items()}


def build_control(out_dir: Path, settings: RetrainSettings, data_dir: Path | None) -> Path:
    """The challenger retraining builds with no verdicts at all (built once, then reused)."""
    if not (out_dir / CONFIG_FILE).is_file():
        build_challenger(shipped_artefact(), out_dir, [], settings, data_dir)
    return out_dir


def rule_sets(check_sets: tuple[str, ...], reviewed: list[str]) -> tuple[str, ...]:
    """The check sets the trust's rule judges by: the reviewed probes are this simulated
    trust's own posts, never a check set for it."""
    return tuple(name for name in check_sets if name not in reviewed)


def recipe_suffix(settings: RetrainSettings, data_dir: Path | None = None) -> str:
    """What sets this recipe apart from retraining's defaults, for file and folder names."""
    parts = [f"-blend{settings.blend:g}" if settings.blend != 1.0 else ""]
    parts.append("-data" if data_dir is not None else "")
    parts.append(f"-keep{settings.keep_unlabelled:g}" if settings.keep_unlabelled else "")
    parts.append("-heads" if settings.heads_only else "")
    parts.append(f"-anchor{settings.anchor:g}" if settings.anchor else "")
    parts.append(f"-counter{settings.counterweights}" if settings.counterweights else "")
    parts.append("-balanced" if settings.balance_verdicts else "")
    fallback = settings.fallback_blend
    parts.append(f"-fallback{fallback:g}" if fallback is not None else "")
    parts.append("-hfallback" if settings.heads_only_fallback else "")
    parts.append(f"-seed{settings.seed}" if settings.seed != RetrainSettings().seed else "")
    return "".join(parts)


def run_season(
    out_dir: Path,
    fold: str = "first",
    missed_share: float = 0.5,
    settings: RetrainSettings | None = None,
    data_dir: Path | None = None,
    rule: PromotionRule | None = None,
    lead_error: float = 0.0,
) -> dict[str, Any]:
    """Simulate one fold's season, build its challenger and control, and score all three."""
    settings = settings or RetrainSettings()
    rule = rule or PromotionRule()
    out_dir.mkdir(parents=True, exist_ok=True)
    pool, judged = fold_sets(fold)
    truth = pd.concat([categorised(name) for name in pool], ignore_index=True)
    champion_dir = shipped_artefact()
    champion = TransformerClassifier(champion_dir, precision="fp32")
    flags = champion.predict(truth["text"].tolist())
    season = simulate_season(truth, flags, missed_share, settings.seed, lead_error)
    train, held_out, holdout_from = split_by_time(season.items, settings.holdout_fraction)
    blended = recipe_suffix(settings, data_dir)
    wrong = f"-error{lead_error:g}" if lead_error else ""
    name = f"{fold}-missed{missed_share:g}{wrong}{blended}"
    challenger_dir = out_dir / name
    built = build_challenger(champion_dir, challenger_dir, train, settings, data_dir)
    challenger = TransformerClassifier(challenger_dir, precision="fp32")
    # The trust's rule, as `retrain.judge` applies it, on the models already loaded.
    judged_by = rule_sets(settings.check_sets, pool)
    rule_rows = evaluation_sets(held_out, judged_by)
    decision = decide(compare(champion, challenger, rule_rows, rule), rule)
    refused_looks: list[dict[str, Any]] = []
    # As `model retrain` does: a refused challenger's second looks (S5, S7, S14), same rule.
    while (look := second_look(champion_dir, built, decision)) is not None:
        refused_looks.append({"version": built.version, **decision.as_record()})
        built = look
        challenger = TransformerClassifier(built.path, precision="fp32")
        decision = decide(compare(champion, challenger, rule_rows, rule), rule)
    # The control is the served recipe with no verdicts: a fallback has nothing to fall
    # from, and a heads-only look served after a refused whole model is set beside the
    # heads-only fit of no verdicts.
    served_heads = bool(built.lineage["settings"].get("heads_only"))
    plain = replace(
        settings, fallback_blend=None, heads_only_fallback=False, heads_only=served_heads
    )
    control_dir = build_control(
        out_dir / f"control{recipe_suffix(plain, data_dir)}", plain, data_dir
    )
    control = TransformerClassifier(control_dir, precision="fp32")
    sets = judged_sets(judged)
    result = {
        "fold": fold,
        "reviewed": pool,
        "judged": judged,
        "missed_share": missed_share,
        "lead_error": lead_error,
        "blend": settings.blend,
        "keep_unlabelled": settings.keep_unlabelled,
        "heads_only": settings.heads_only,
        "anchor": settings.anchor,
        "counterweights": settings.counterweights,
        "heads_only_fallback": settings.heads_only_fallback,
        "served_heads_only": served_heads,
        "balance_verdicts": settings.balance_verdicts,
        "labels_moved": built.lineage.get("labels_moved"),
        "verdicts": season.counts,
        "items": {"trained": len(train), "held_out": len(held_out)},
        "holdout_from": holdout_from.isoformat() if holdout_from else None,
        "challenger": built.version,
        "control": control.version,
        "trust_rule": {**decision.as_record(), "check_sets": list(judged_by)},
        "served_share": built.lineage["served_share"],
        "refused_looks": refused_looks,
        "vs_champion": _records(compare(champion, challenger, sets, rule)),
        "vs_control": _records(compare(control, challenger, sets, rule)),
    }
    (out_dir / f"{name}.json").write_text(json.dumps(result, indent=1, sort_keys=True))
    return result


def mean_change(records: dict[str, dict[str, float]]) -> float:
    """The mean F1 change over the labels a set has both classes of."""
    return float(np.mean([r["diff"] for r in records.values()])) if records else float("nan")


def format_season(result: dict[str, Any]) -> str:
    """The figures a reader needs: the verdicts given, the rule's word, F1 per set and label."""
    counts = ", ".join(f"{k} {v}" for k, v in result["verdicts"].items())
    rule = result["trust_rule"]
    lines = [
        f"fold {result['fold']}: reviewed {', '.join(result['reviewed'])}; "
        f"misses reported with probability {result['missed_share']:g}"
        + (f"; verdicts wrong with probability {e:g}" if (e := result.get("lead_error")) else ""),
        f"verdicts: {counts}; items trained {result['items']['trained']}, "
        f"held out by time {result['items']['held_out']}",
        f"challenger {result['challenger']}, control {result['control']}; the trust's rule: "
        + ("promote" if rule["promote"] else "refuse (" + "; ".join(rule["reasons"]) + ")"),
    ]
    for set_name, labels in rule.get("examples", {}).items():
        for label, posts in labels.items():
            lines += [f"  {label} on {set_name}, newly wrong: {post}" for post in posts]
    looks = result["refused_looks"]
    full = looks[-1] if looks else None  # the look the served model stands in for
    for look in looks[:-1]:  # S14: the whole model, before the heads-only fit
        lines.append(f"first, {look['version']} was refused ({'; '.join(look['reasons'])})")
    moved = result.get("labels_moved")
    if full and moved is not None:
        lines.append(
            f"the challenger {full['version']} was refused ({'; '.join(full['reasons'])}); "
            f"the one above moves only {', '.join(moved)}"
        )
    elif full and result["served_share"] < 1.0:
        lines.append(
            f"the full move {full['version']} was refused ({'; '.join(full['reasons'])}); "
            f"the challenger above serves {result['served_share']:g} of it"
        )
    elif full:
        lines.append(
            f"the whole model {full['version']} was refused ({'; '.join(full['reasons'])}); "
            "the challenger above is the heads alone, fitted again"
        )
    lines += [
        "",
        "| Set | Label | n | Pos | Champion | Control | Challenger | vs champion (90% CI) "
        "| vs control (90% CI) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for set_name, labels in result["vs_champion"].items():
        for label, old in labels.items():
            new = result["vs_control"][set_name][label]
            lines.append(
                f"| {set_name} | {label} | {old['n']} | {old['positives']} | "
                f"{old['champion_f1']:.3f} | {new['champion_f1']:.3f} | "
                f"{old['challenger_f1']:.3f} | {old['diff']:+.3f} "
                f"({old['low']:+.3f}..{old['high']:+.3f}) | {new['diff']:+.3f} "
                f"({new['low']:+.3f}..{new['high']:+.3f}) |"
            )
        lines.append(
            f"| {set_name} | mean | | | | | | {mean_change(labels):+.3f} | "
            f"{mean_change(result['vs_control'][set_name]):+.3f} |"
        )
    return "\n".join(lines)
