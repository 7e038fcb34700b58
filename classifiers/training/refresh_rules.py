"""Writing an artefact's weights unchanged with the current safeguarding rules.

The rules travel inside an artefact's config, so an artefact keeps the rules it was trained
with; a fix to the rules (issue 20: an educational mention of a topic is not a disclosure)
reaches serving only in a new artefact. Retraining is one way; when the weights need not
change, this copies adapter, heads and thresholds and replaces only `safeguarding_rules`
with what training writes now. The version changes (the rules are hashed); the lineage goes
in the run record, which the hash leaves out. Text normalisation is not switched on by a
rules refresh: the weights were not trained with it. `refresh_normalisation` moves a model
already trained with character normalisation to a later mode of it (`characters-2`,
`characters-3`), which differs from the earlier ones only on disguised insults.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from classifiers.artefact import artefact_version, read_config, write_config
from classifiers.complaint_reading import artefact_complaint_reading
from classifiers.hate_rules import artefact_hate_rules
from classifiers.safeguarding_rules import artefact_rules
from classifiers.text import CHARACTERS_2, NORMALISATION_MODES
from classifiers.training.interpolate import WEIGHT_FILES

LINEAGE_KEY = "rules_updated_from"
NORMALISATION_LINEAGE_KEY = "normalisation_updated_from"
THRESHOLDS_LINEAGE_KEY = "thresholds_updated_from"
HATE_RULES_LINEAGE_KEY = "hate_rules_added_to"
COMPLAINT_READING_LINEAGE_KEY = "complaint_reading_added_to"


def refresh_rules(artefact_dir: Path, out_dir: Path, slang: bool = False) -> str:
    """Write `artefact_dir` to `out_dir` with the current rules (with `slang`, C27's slang
    patterns as well); return the new version."""
    artefact_dir, out_dir = _source_and_target(artefact_dir, out_dir)
    config = read_config(artefact_dir)
    config["safeguarding_rules"] = artefact_rules(slang)
    config.setdefault("training", {})[LINEAGE_KEY] = artefact_version(artefact_dir)
    return _write_copy(artefact_dir, out_dir, config)


def add_hate_rules(
    artefact_dir: Path, out_dir: Path, exceptions: bool = True, talk: bool = False
) -> str:
    """Write `artefact_dir` to `out_dir` with the hate backstop (C23; with `exceptions`, C24's
    innocent frames; with `talk`, C25's) in place of any it had; return the new version."""
    artefact_dir, out_dir = _source_and_target(artefact_dir, out_dir)
    config = read_config(artefact_dir)
    config["hate_rules"] = artefact_hate_rules(exceptions, talk)
    config.setdefault("training", {})[HATE_RULES_LINEAGE_KEY] = artefact_version(artefact_dir)
    return _write_copy(artefact_dir, out_dir, config)


def add_complaint_reading(artefact_dir: Path, out_dir: Path, school_world: bool = True) -> str:
    """Write `artefact_dir` to `out_dir` with the second complaint reading (C28b's; without
    `school_world`, C28's); return the new version."""
    artefact_dir, out_dir = _source_and_target(artefact_dir, out_dir)
    config = read_config(artefact_dir)
    config["complaint_reading"] = artefact_complaint_reading(school_world)
    config.setdefault("training", {})[COMPLAINT_READING_LINEAGE_KEY] = artefact_version(
        artefact_dir
    )
    return _write_copy(artefact_dir, out_dir, config)


def refresh_normalisation(artefact_dir: Path, out_dir: Path, mode: str = CHARACTERS_2) -> str:
    """Write `artefact_dir` to `out_dir` serving with the later `mode`; return the new version.

    Only from an earlier character mode: a model trained without normalisation has never
    seen restored spellings, and one already on `mode` or later has nothing to gain.
    """
    if mode not in NORMALISATION_MODES[1:]:
        raise ValueError(f"{mode!r} is not a later character mode ({NORMALISATION_MODES[1:]})")
    artefact_dir, out_dir = _source_and_target(artefact_dir, out_dir)
    config = read_config(artefact_dir)
    earlier = NORMALISATION_MODES[: NORMALISATION_MODES.index(mode)]
    if config.get("text_normalisation") not in earlier:
        names = " or ".join(repr(m) for m in earlier)
        raise ValueError(
            f"{artefact_dir} serves with text_normalisation "
            f"{config.get('text_normalisation')!r}; only a {names} model moves to {mode!r}"
        )
    config["text_normalisation"] = mode
    config.setdefault("training", {})[NORMALISATION_LINEAGE_KEY] = artefact_version(artefact_dir)
    return _write_copy(artefact_dir, out_dir, config)


def refresh_thresholds(artefact_dir: Path, out_dir: Path, thresholds: dict[str, float]) -> str:
    """Write `artefact_dir` to `out_dir` with the named thresholds replaced; the new version.

    How a threshold experiment (C20, `school_thresholds`) becomes a candidate to judge.
    """
    artefact_dir, out_dir = _source_and_target(artefact_dir, out_dir)
    config = read_config(artefact_dir)
    unknown = set(thresholds) - set(config["thresholds"])
    if unknown:
        raise ValueError(f"{artefact_dir} has no threshold for {sorted(unknown)}")
    config["thresholds"] = {**config["thresholds"], **thresholds}
    config.setdefault("training", {})[THRESHOLDS_LINEAGE_KEY] = artefact_version(artefact_dir)
    return _write_copy(artefact_dir, out_dir, config)


def _source_and_target(artefact_dir: Path, out_dir: Path) -> tuple[Path, Path]:
    """Both as paths; a refresh never overwrites the artefact it copies."""
    artefact_dir, out_dir = Path(artefact_dir), Path(out_dir)
    if out_dir.resolve() == artefact_dir.resolve():
        raise ValueError(f"{out_dir} is the source artefact; write the refreshed copy elsewhere")
    return artefact_dir, out_dir


def _write_copy(artefact_dir: Path, out_dir: Path, config: dict) -> str:
    for name in WEIGHT_FILES:
        (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(artefact_dir / name, out_dir / name)
    write_config(out_dir, config)
    return artefact_version(out_dir)


def safeguarding_changes(
    champion_dir: Path, challenger_dir: Path, data_dir: Path
) -> dict[str, dict[str, float | int]]:
    """Per validation set: both models' safeguarding recall and decisions that changed.

    The sets are the rebuild's (public validation splits, school quarter, world fold); a
    rules-only change can only move safeguarding, so this is where it shows.
    """
    from classifiers.inference import TransformerClassifier
    from classifiers.training.rebuild import validation_sets

    models = [TransformerClassifier(d, precision="fp32") for d in (champion_dir, challenger_dir)]
    out: dict[str, dict[str, float | int]] = {}
    for name, frame in validation_sets(Path(data_dir), with_world_fold=True).items():
        known = frame["safeguarding"].notna().to_numpy()
        texts = frame.loc[known, "text"].tolist()
        y = frame.loc[known, "safeguarding"].to_numpy().astype(bool)
        flags = [
            m.predict_proba(texts)["safeguarding"].to_numpy() >= m.thresholds["safeguarding"]
            for m in models
        ]
        old, new = flags
        out[name] = {
            "n": int(y.size),
            "positives": int(y.sum()),
            "recall_champion": float((old & y).sum() / y.sum()) if y.any() else float("nan"),
            "recall_challenger": float((new & y).sum() / y.sum()) if y.any() else float("nan"),
            "flagged_champion": int(old.sum()),
            "flagged_challenger": int(new.sum()),
            "raised": int((new & ~old).sum()),
            "lowered": int((old & ~new).sum()),
            "lowered_disclosures": int((old & ~new & y).sum()),
        }
    return out
