"""`trustwatch model` (train, soup, interpolate, evaluate, retrain, rollback, versions) and
`trustwatch classify`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import click

from classifiers.text import NORMALISATION_MODES
from trustwatch.cli.context import AppContext, pass_app
from trustwatch.errors import UserError

_DATA_OPTION = click.option(
    "--data",
    "data_dir",
    required=True,
    envvar="TRUSTWATCH_DATASETS",
    type=click.Path(path_type=Path, file_okay=False),
    help="The labelled datasets folder (e.g. ../shared/datasets).",
)


def _artefact_option(help_text: str):
    """`--artefact DIR`, an existing artefact folder; the commands default to the committed one."""
    return click.option(
        "--artefact",
        "artefact_dir",
        type=click.Path(path_type=Path, file_okay=False, exists=True),
        help=help_text,
    )


def _check_data(data_dir: Path) -> None:
    """Fail with a fix, not a traceback, when the datasets folder is wrong."""
    if not (data_dir / "olid").is_dir():
        raise UserError(
            f"--data {data_dir} has no olid/ folder. Fix: point --data at the datasets folder "
            "described in its README.md (e.g. ../shared/datasets)."
        )


def _new_artefact_option(help_text: str):
    """`--out DIR`, required: the folder a command writes a new artefact to."""
    return click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(path_type=Path, file_okay=False),
        help=help_text,
    )


def _pin_cpu_code_paths() -> None:
    """Hold training's CPU code paths to AVX2 so a rebuild matches on any x86 machine.

    A command run in a process that has already loaded torch (tests, notebooks) cannot pin
    them; it says so, and a training run's record shows the paths it used.
    """
    from classifiers.training.cpu_paths import pin_training_code_paths

    try:
        pin_training_code_paths()
    except RuntimeError:
        logging.getLogger(__name__).warning(
            "torch was already loaded, so the CPU code paths are not pinned to AVX2; the "
            "artefact may differ in the last bits from one built by a fresh process"
        )


def _build_artefact(data_dir: Path, option: str, build: Callable[[], str]) -> str:
    """Check the datasets folder, log progress, build; a refusal names `option`, exit code 2."""
    _check_data(data_dir)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        return build()
    except ValueError as error:
        raise UserError(f"{option}: {error}.") from None


def _default_artefact() -> Path:
    from classifiers.artefact import ARTEFACTS_DIR, DEFAULT_ARTEFACT

    return ARTEFACTS_DIR / DEFAULT_ARTEFACT


@click.group("model")
def model() -> None:
    """Train and evaluate the transformer classifier."""


@model.command("train")
@_DATA_OPTION
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Artefact folder to write (default: the committed default artefact).",
)
@click.option("--sample", type=int, help="Use at most N rows per dataset and split (quick runs).")
@click.option("--seed", type=int, help="Random seed (default 13).")
@click.option("--steps", type=int, help="Optimisation steps (default: the committed model's).")
@click.option("--threads", type=int, help="Torch threads (default 1, bit-for-bit reproducible).")
@click.option("--max-minutes", type=float, help="Wall-clock stop for the whole run.")
@click.option(
    "--without",
    "without",
    multiple=True,
    type=click.Choice(["olid", "tweeteval_hate", "complaints", "cyberbullying"]),
    help="Leave a public dataset out (for ablations). Repeatable.",
)
@click.option(
    "--identity-rows/--no-identity-rows",
    default=None,
    help="Train on the hand-written attacks on groups (default: as the committed model).",
)
@click.option(
    "--identity-weight",
    type=click.FloatRange(min=0.0),
    help="Scale the loss weight of those rows (default: as the committed model).",
)
@click.option(
    "--delta-scale",
    type=click.FloatRange(min=0.0, max=1.0),
    help="Merge this fraction of the fine-tuned delta (default: as the committed model; "
    "1 is the plain fine-tuned model).",
)
@click.option(
    "--world-rows/--no-world-rows",
    default=None,
    help="Train on the school-world rows, school/world_train*.csv (default: on, as the "
    "committed model). --world-holdout and the world weights apply only with them.",
)
@click.option(
    "--world-holdout",
    type=click.FloatRange(min=0.0, max=0.5, max_open=True),
    help="Hold out this seeded share of each world-row category, the fold `trustwatch model "
    "rebuild --judge-only` judges on [default: 0, as the committed model; 0.25 holds out "
    "the fold].",
)
@click.option(
    "--world-weight",
    type=click.FloatRange(min=0.0, min_open=True),
    help="Scale the world rows' loss weight, on top of the school rows' [default: 1].",
)
@click.option(
    "--character-normalisation/--no-character-normalisation",
    default=None,
    help="Read slang and obfuscated spellings through in training and serving "
    "(default: on, as the committed model).",
)
@click.option(
    "--normalisation-mode",
    type=click.Choice(NORMALISATION_MODES),
    help="The character mode training reads in and the artefact serves with (default: "
    "characters, the first; the committed model trained in it and serves a later one).",
)
@click.option(
    "--wide-template-names/--fixed-template-names",
    default=None,
    help="Fill the template rows' names from a wide pool, so no name is tied to a label "
    "(default: the wide pool, as the committed model; models before 342009f7 used eight "
    "fixed names).",
)
@click.option(
    "--safeguarding-min-recall",
    type=click.FloatRange(min=0.5, max=1.0),
    help="Calibrate the safeguarding threshold to keep at least this share of validation "
    "positives (default: as the committed model, 0.9).",
)
@click.option(
    "--world-category-weight",
    "world_category_weights",
    multiple=True,
    metavar="CATEGORY=FACTOR",
    help="Scale one school-world category's loss weight (the `category` column of "
    "school/world_train*.csv), on top of --world-weight. Repeatable; given, it replaces the "
    "committed model's safeguarding_staff_contact=0.25.",
)
def train_command(
    data_dir: Path,
    out_dir: Path | None,
    sample: int | None,
    seed: int | None,
    steps: int | None,
    threads: int | None,
    max_minutes: float | None,
    without: tuple[str, ...],
    identity_rows: bool | None,
    identity_weight: float | None,
    delta_scale: float | None,
    world_rows: bool | None,
    world_holdout: float | None,
    world_weight: float | None,
    character_normalisation: bool | None,
    normalisation_mode: str | None,
    wide_template_names: bool | None,
    safeguarding_min_recall: float | None,
    world_category_weights: tuple[str, ...],
) -> None:
    """Fine-tune LoRA adapters and heads, calibrate thresholds, write the artefact."""
    _pin_cpu_code_paths()
    from dataclasses import replace

    from classifiers.artefact import read_config
    from classifiers.training.data import LOADERS
    from classifiers.training.train import TrainConfig, early_stop_warning, train

    _check_data(data_dir)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    config = TrainConfig()
    sources = tuple(name for name in LOADERS if name not in without)
    config = replace(config, data=replace(config.data, sources=sources))
    data_options = dict(
        identity_rows=identity_rows,
        identity_weight=identity_weight,
        world_rows=world_rows,
        world_holdout=world_holdout,
        world_weight=world_weight,
        character_normalisation=character_normalisation,
        normalisation_mode=normalisation_mode,
        wide_template_names=wide_template_names,
    )
    given = {name: value for name, value in data_options.items() if value is not None}
    if safeguarding_min_recall is not None:
        min_recall = {**config.data.min_recall, "safeguarding": safeguarding_min_recall}
        given["min_recall"] = min_recall
    if world_category_weights:
        given["world_category_weights"] = _category_weights(world_category_weights)
    config = replace(config, data=replace(config.data, **given))
    if not config.data.world_rows and (world_holdout or world_weight or world_category_weights):
        raise UserError(
            "--world-holdout, --world-weight and --world-category-weight apply only to the "
            "school-world rows: drop --no-world-rows, or drop those options."
        )
    if normalisation_mode and not config.data.character_normalisation:
        raise UserError(
            "--normalisation-mode names the character mode to read in: drop "
            "--no-character-normalisation, or drop --normalisation-mode."
        )
    if delta_scale is not None:
        config = replace(config, lora=replace(config.lora, delta_scale=delta_scale))
    if steps is not None:
        config = replace(config, optim=replace(config.optim, max_steps=steps))
    run = config.run
    if threads is not None:
        run = replace(run, threads=threads)
    if max_minutes is not None:
        run = replace(run, max_minutes=max_minutes)
    config = replace(config, run=run)
    target = out_dir or _default_artefact()
    version = train(data_dir, target, config, sample=sample, seed=seed)
    click.echo(f"trained {target} version {version}")
    warning = early_stop_warning(read_config(target))
    if warning:
        click.echo(warning, err=True)


def _category_weights(given: tuple[str, ...]) -> dict[str, float]:
    """`CATEGORY=FACTOR` pairs, each category one the world rows actually have."""
    from classifiers.training.school import world_train_frame

    known = set(world_train_frame()["category"])
    weights: dict[str, float] = {}
    for pair in given:
        category, _, factor = pair.partition("=")
        try:
            value = float(factor)
        except ValueError:
            value = -1.0
        if category not in known or value <= 0:
            raise UserError(
                f"--world-category-weight {pair}: expected CATEGORY=FACTOR with a factor above "
                f"0 and a category of school/world_train*.csv, one of: {', '.join(sorted(known))}"
            )
        weights[category] = value
    return weights


@model.command("soup")
@_DATA_OPTION
@click.option(
    "--member",
    "members",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="A trained artefact folder to average in (two or more, trained alike but the seed).",
)
@_new_artefact_option("Artefact folder to write.")
def soup_command(data_dir: Path, members: tuple[Path, ...], out_dir: Path) -> None:
    """Average models trained with different seeds into one; thresholds recalibrated."""
    _pin_cpu_code_paths()
    from classifiers.training.soup import soup_artefacts

    version = _build_artefact(
        data_dir, "--member", lambda: soup_artefacts(list(members), out_dir, data_dir)
    )
    click.echo(f"souped {len(members)} members into {out_dir} version {version}")


@model.command("interpolate")
@_DATA_OPTION
@_artefact_option("Trained artefact folder (default: the committed default artefact).")
@click.option(
    "--delta-scale",
    required=True,
    type=click.FloatRange(min=0.0, max=1.0),
    help="Fraction of the fine-tuned delta to merge: 0 is the pre-trained encoder, 1 the "
    "fine-tuned one.",
)
@_new_artefact_option("Artefact folder to write (not the source).")
def interpolate_command(
    data_dir: Path, artefact_dir: Path | None, delta_scale: float, out_dir: Path
) -> None:
    """The same adapter merged at another fraction of its delta; thresholds recalibrated."""
    _pin_cpu_code_paths()
    from classifiers.training.interpolate import interpolate_artefact

    source = artefact_dir or _default_artefact()
    version = _build_artefact(
        data_dir, "--out", lambda: interpolate_artefact(source, out_dir, delta_scale, data_dir)
    )
    click.echo(f"wrote {out_dir} (delta scale {delta_scale}) version {version}")


@model.command("evaluate")
@_DATA_OPTION
@_artefact_option("Artefact folder to evaluate (default: the committed default artefact).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where metrics.json and MODEL_CARD.md go (default: the artefact folder).",
)
@click.option(
    "--compare",
    multiple=True,
    metavar="NAME=METRICS_JSON",
    help="Add another evaluation's macro-F1 to the card's ablation table. Repeatable.",
)
def evaluate_command(
    data_dir: Path, artefact_dir: Path | None, out_dir: Path | None, compare: tuple[str, ...]
) -> None:
    """Score every test split; write metrics.json and MODEL_CARD.md."""
    from classifiers.training.evaluate import evaluate

    _check_data(data_dir)
    comparisons = _comparisons(compare)
    metrics = evaluate(data_dir, artefact_dir or _default_artefact(), out_dir, comparisons or None)
    click.echo(f"model version {metrics['version']}")
    for key, entry in metrics["results"].items():
        click.echo(
            f"{key:24} {entry['task']:12} n={entry['n']:5d} P={entry['precision']:.3f} "
            f"R={entry['recall']:.3f} F1={entry['f1']:.3f} macro-F1={entry['macro_f1']:.3f}"
        )


@model.command("compare")
@_artefact_option("An evaluated artefact folder (default: the committed default artefact).")
@click.option("--compare", multiple=True, required=True, metavar="NAME=METRICS_JSON")
def compare_command(artefact_dir: Path | None, compare: tuple[str, ...]) -> None:
    """Add other evaluations (ablations) to an evaluated artefact's card, without rescoring."""
    from classifiers.training.evaluate import add_comparisons

    add_comparisons(artefact_dir or _default_artefact(), _comparisons(compare))
    click.echo(f"added {', '.join(_comparisons(compare))} to the model card")


@model.command("check-school")
@_artefact_option("Artefact folder (default: the serving model).")
def check_school_command(artefact_dir: Path | None) -> None:
    """Per-label figures on the school check sets and the per-category table (no datasets)."""
    from classifiers.active import active_artefact
    from classifiers.training.school_report import format_report, school_report

    click.echo(format_report(school_report(artefact_dir or active_artefact())))


@model.command("score")
@click.argument("posts", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--text-column", default="text", show_default=True, help="The column holding each post."
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write every row with its scores and flags (score_<label>, flag_<label>) to this CSV.",
)
@_artefact_option("Artefact folder (default: the serving model).")
def score_command(
    posts: Path, text_column: str, out_file: Path | None, artefact_dir: Path | None
) -> None:
    """Score a CSV of posts at the production thresholds; where it has label columns
    (abuse, bullying, hate, complaint, safeguarding: 1, 0 or blank), print each label's
    precision, recall and F1, and a per-category table if it has a `category` column."""
    from classifiers.active import active_artefact
    from classifiers.inference import TransformerClassifier
    from classifiers.score_file import PostsFileError, format_scored, read_posts, score_posts
    from trustwatch.spreadsheet import safe_cell

    try:
        frame = read_posts(posts, text_column)
        classifier = TransformerClassifier(artefact_dir or active_artefact())
        result = score_posts(frame, classifier, text_column)
    except PostsFileError as error:
        raise UserError(str(error)) from None
    if out_file is not None:
        try:
            result.scored.map(safe_cell).to_csv(out_file, index=False)
        except OSError as error:
            raise UserError(
                f"--out {out_file}: cannot write it ({error.strerror}). Fix: name a file in a "
                "folder that exists and you can write to."
            ) from None
    click.echo(format_scored(result))
    if out_file is not None:
        click.echo(f"\nwrote {len(result.scored)} scored rows to {out_file}")


_BLEND_OPTION = click.option(
    "--blend",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    help="Serve this share of the fine-tuned move, the rest the shipped weights (default 1).",
)
_FALLBACK_OPTION = click.option(
    "--fallback-blend",
    type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
    help="If the rule refuses the challenger, judge this share of the same fit once (default: "
    "no second look).",
)
_KEEP_OPTION = click.option(
    "--keep",
    "keep_unlabelled",
    type=click.FloatRange(0.0, 1.0),
    help="Weight of the starting model's own scores on cells no label speaks to (default 0).",
)

_HEADS_OPTION = click.option(
    "--heads-only/--whole-model",
    "heads_only",
    default=None,
    help="Fit the five heads only, the adapter frozen, so a refused challenger's labels that "
    "lost nowhere can be promoted alone (default: the whole model).",
)

_ANCHOR_OPTION = click.option(
    "--anchor",
    type=click.FloatRange(min=0.0),
    help="Pull the fit back to the weights it starts from by this much (L2-SP; default 0).",
)

_COUNTER_OPTION = click.option(
    "--counterweights",
    type=click.IntRange(min=0),
    help="Weigh each verdict's K nearest school rows labelled the other way as verdicts "
    "(S11; default 0).",
)

_HEADS_FALLBACK_OPTION = click.option(
    "--heads-only-fallback/--no-heads-only-fallback",
    "heads_only_fallback",
    default=None,
    help="If the rule refuses the whole model, fit and judge the heads alone once, then "
    "their per-label composite (S14; default: no).",
)

_BALANCE_OPTION = click.option(
    "--balance-verdicts/--verdicts-as-given",
    "balance_verdicts",
    default=None,
    help="Weigh each label's confirmed and dismissed verdicts the same in all, however many "
    "of each (S13; default: as given).",
)


def _retrain_settings(data_dir: Path | None, **given: object):  # -> RetrainSettings
    """Retraining's defaults with the options given on the command line (None: not given)."""
    from dataclasses import replace

    from classifiers.training.retrain import RetrainSettings

    if data_dir is not None:
        _check_data(data_dir)
    settings = replace(RetrainSettings(), **{k: v for k, v in given.items() if v is not None})
    if settings.heads_only_fallback and (settings.heads_only or settings.fallback_blend):
        raise UserError(
            "--heads-only-fallback is the second look at a refused whole model: drop it, or "
            "drop --heads-only and --fallback-blend (one second look per fit)."
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    return settings


@model.command("retrain")
@click.option(
    "--data",
    "data_dir",
    envvar="TRUSTWATCH_DATASETS",
    type=click.Path(path_type=Path, file_okay=False),
    help="The public datasets folder, if this trust has it (optional: without it retraining "
    "uses the verdicts and the hand-written school rows).",
)
@click.option("--steps", type=click.IntRange(min=1), help="Optimisation steps (default 150).")
@click.option("--threads", type=click.IntRange(min=1), help="Torch threads (default 1).")
@click.option("--no-rescore", is_flag=True, help="Do not rescore open casework after a promotion.")
@_BLEND_OPTION
@_KEEP_OPTION
@_FALLBACK_OPTION
@_HEADS_OPTION
@_ANCHOR_OPTION
@_COUNTER_OPTION
@_BALANCE_OPTION
@_HEADS_FALLBACK_OPTION
@pass_app
def retrain_command(
    app: AppContext,
    data_dir: Path | None,
    steps: int | None,
    threads: int | None,
    no_rescore: bool,
    blend: float | None,
    keep_unlabelled: float | None,
    fallback_blend: float | None,
    heads_only: bool | None,
    anchor: float | None,
    counterweights: int | None,
    balance_verdicts: bool | None,
    heads_only_fallback: bool | None,
) -> None:
    """Build a challenger from the shipped adapter and the leads' verdicts; promote it only
    if the declared rule says so (see docs/retraining.md)."""
    _pin_cpu_code_paths()
    from trustwatch.db.engine import session_scope
    from trustwatch.db.models import utcnow
    from trustwatch.model_versions import retrain

    settings = _retrain_settings(
        data_dir,
        steps=steps,
        threads=threads,
        blend=blend,
        keep_unlabelled=keep_unlabelled,
        fallback_blend=fallback_blend,
        heads_only=heads_only,
        anchor=anchor,
        counterweights=counterweights,
        balance_verdicts=balance_verdicts,
        heads_only_fallback=heads_only_fallback,
    )
    with session_scope(app.engine) as session:
        outcome = retrain(
            session, now=utcnow(), settings=settings, data_dir=data_dir, rescore=not no_rescore
        )
    click.echo(
        f"retrain {outcome.status}: {outcome.verdicts} verdict-labelled items, "
        f"version {outcome.version or '-'}, {outcome.rescored} open items rescored, "
        f"{outcome.seconds:.0f}s"
    )
    for reason in outcome.reasons:
        click.echo(f"  {reason}")


@model.command("rebuild")
@_DATA_OPTION
@_new_artefact_option("Artefact folder to write (not the shipped one).")
@click.option(
    "--hold-out-world/--all-world",
    default=True,
    show_default=True,
    help="Hold out a seeded quarter of school/world_train*.csv to judge by, or train on all.",
)
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True)
# Unset options keep retraining's defaults (RetrainSettings: 150 steps, 1000 rows, weight 1).
@click.option("--steps", type=click.IntRange(min=1), help="Training steps [default: 150].")
@click.option(
    "--public-per-source",
    type=click.IntRange(min=0),
    help="Public training rows sampled per dataset [default: 1000].",
)
@click.option(
    "--world-weight",
    type=click.FloatRange(min=0.0, min_open=True),
    help="Loss weight of the school-world rows (school/world_train*.csv) [default: 1.0].",
)
@click.option("--seed", type=int, help="Training seed [default: 13].")
@click.option(
    "--start-from",
    "start_from",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Artefact to fine-tune from [default: the shipped one]; it is also the mode read.",
)
@_BLEND_OPTION
@click.option(
    "--keep-thresholds",
    is_flag=True,
    help="Keep the starting model's thresholds instead of setting them on validation.",
)
@click.option(
    "--judge-only", is_flag=True, help="Judge an already built --out folder; do not train."
)
def rebuild_command(
    data_dir: Path,
    out_dir: Path,
    hold_out_world: bool,
    threads: int,
    steps: int | None,
    public_per_source: int | None,
    world_weight: float | None,
    seed: int | None,
    start_from: Path | None,
    blend: float | None,
    keep_thresholds: bool,
    judge_only: bool,
) -> None:
    """Retrain the shipped model on public and school rows (no verdicts) and judge it on
    validation by the rule in docs/classifier-experiments.md (issue 20)."""
    _pin_cpu_code_paths()
    import json

    from classifiers.training.rebuild import judge_on_validation, rebuild

    _check_data(data_dir)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if not judge_only:
        given = dict(
            steps=steps,
            public_per_source=public_per_source,
            world_weight=world_weight,
            seed=seed,
            blend=blend,
            thresholds_from_validation=False if keep_thresholds else None,
        )
        tuned = {name: value for name, value in given.items() if value is not None}
        built = rebuild(data_dir, out_dir, hold_out_world, threads, start_from, **tuned)
        click.echo(f"built {out_dir} version {built.version}")
    decision, pooled = judge_on_validation(out_dir, data_dir, hold_out_world)
    record = {"decision": decision.as_record(), "pooled_validation": pooled}
    click.echo(json.dumps(record, indent=1))
    verdict = "pass" if decision.promote else "FAIL"
    click.echo(f"rule clauses 1-2 (2b: world-fold safeguarding recall): {verdict}")
    for reason in decision.reasons:
        click.echo(f"  {reason}")


@model.command("season")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for the challengers built and the figures (JSON per run).",
)
@click.option(
    "--fold",
    type=click.Choice(["first", "second"]),
    default="first",
    show_default=True,
    help="Which probe of each pair the lead reviews; its twin and fresh_check judge.",
)
@click.option(
    "--missed-share",
    type=click.FloatRange(0.0, 1.0),
    default=0.5,
    show_default=True,
    help="Share of the model's misses the lead reports as missed.",
)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="The public datasets folder, as retraining would use it (optional).",
)
@click.option("--threads", type=click.IntRange(min=1), help="Torch threads (default 1).")
@click.option("--seed", type=int, help="Seed of the season's order and of training (default 13).")
@click.option(
    "--lead-error",
    type=click.FloatRange(0.0, 1.0, max_open=True),
    default=0.0,
    show_default=True,
    help="Share of the lead's confirm/dismiss verdicts given the wrong way round.",
)
@_BLEND_OPTION
@_KEEP_OPTION
@_FALLBACK_OPTION
@_HEADS_OPTION
@_ANCHOR_OPTION
@_COUNTER_OPTION
@_BALANCE_OPTION
@_HEADS_FALLBACK_OPTION
def season_command(
    out_dir: Path,
    fold: str,
    missed_share: float,
    data_dir: Path | None,
    threads: int | None,
    seed: int | None,
    lead_error: float,
    blend: float | None,
    keep_unlabelled: float | None,
    fallback_blend: float | None,
    heads_only: bool | None,
    anchor: float | None,
    counterweights: int | None,
    balance_verdicts: bool | None,
    heads_only_fallback: bool | None,
) -> None:
    """Does retraining learn from verdicts? Simulate a lead's season of verdicts on one probe
    of each pair, retrain as `model retrain` would, and score the challenger beside the
    serving model and a no-verdict control on posts written apart (docs/retraining.md)."""
    _pin_cpu_code_paths()
    from classifiers.training.verdict_season import format_season, run_season

    settings = _retrain_settings(
        data_dir,
        threads=threads,
        seed=seed,
        blend=blend,
        keep_unlabelled=keep_unlabelled,
        fallback_blend=fallback_blend,
        heads_only=heads_only,
        anchor=anchor,
        counterweights=counterweights,
        balance_verdicts=balance_verdicts,
        heads_only_fallback=heads_only_fallback,
    )
    result = run_season(out_dir, fold, missed_share, settings, data_dir, lead_error=lead_error)
    click.echo(format_season(result))


@model.command("rollback")
@click.argument("version")
@click.option("--actor", default="cli", show_default=True, help="Who rolls back (audited).")
@pass_app
def rollback_command(app: AppContext, version: str, actor: str) -> None:
    """Serve VERSION again: a version retraining promoted before, or `shipped`."""
    from trustwatch.db.engine import session_scope
    from trustwatch.db.models import utcnow
    from trustwatch.model_versions import rollback

    with session_scope(app.engine) as session:
        rescored = rollback(session, version=version, actor=actor, now=utcnow())
    click.echo(f"serving {version}; {rescored} open items rescored")


@model.command("versions")
@pass_app
def versions_command(app: AppContext) -> None:
    """List retrained versions: active, retired or refused, with the verdicts behind each."""
    from classifiers.active import active_artefact
    from trustwatch.db.engine import session_scope
    from trustwatch.model_versions import versions

    click.echo(f"serving: {active_artefact()}")
    with session_scope(app.engine) as session:
        for row in versions(session):
            click.echo(
                f"{row.version} {row.status:8} {row.created_at:%Y-%m-%d %H:%M} "
                f"verdicts={row.verdict_count} from={row.base_version}"
                + (
                    f" labels={','.join(moved)}"
                    if (moved := (row.lineage or {}).get("labels_moved"))
                    else ""
                )
            )


def _comparisons(specs: tuple[str, ...]) -> dict[str, Path]:
    """Parse NAME=path pairs, insisting each path is an existing metrics file."""
    comparisons = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not Path(path).is_file():
            raise UserError(f"--compare {spec!r}: expected NAME=path/to/metrics.json (a file).")
        comparisons[name] = Path(path)
    return comparisons


@click.command("classify")
@click.option("--batch-size", type=int, default=256, show_default=True)
@click.option("--threads", type=int, help="Torch threads (default: $TRUSTWATCH_TORCH_THREADS).")
@click.option(
    "--precision",
    type=click.Choice(["fp32", "bf16", "auto"]),
    help="fp32 is exact (default, or $TRUSTWATCH_CLASSIFIER_PRECISION); bf16 is faster on CPUs "
    "with native bfloat16 and within about 0.01 of fp32.",
)
@pass_app
def classify(app: AppContext, batch_size: int, threads: int | None, precision: str | None) -> None:
    """Score every warehouse item that has no score from the current model version."""
    import classifiers
    from classifiers.job import classify_items
    from trustwatch.db.engine import session_scope

    classifier = classifiers.load_default(threads=threads, precision=precision)
    with session_scope(app.engine) as session:
        summary = classify_items(session, classifier, batch_size=batch_size)
    flagged = ", ".join(f"{k} {v}" for k, v in summary.above_threshold.items())
    click.echo(
        f"model {summary.model_version}: scored {summary.items_scored} items, "
        f"other-language flag on {summary.items_flagged} ({summary.rows_written} rows); "
        f"above threshold: {flagged}"
    )


COMMANDS = [model, classify]
