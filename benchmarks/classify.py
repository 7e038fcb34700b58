"""Classifier throughput: messages per second and peak memory, ours beside alt-profanity-check.

Each engine runs in its own fresh interpreter so its peak RSS is its own. Messages are real
tweets read at run time from the shared datasets (never stored in the repo); without them,
the hand-written school check set is repeated. The aim is >= 300 msg/s on 2 cores. Our model
runs two ways: float32 (the default, exact) and bf16 after attention (within 0.01 of float32);
the bf16 row also prints its largest score difference from float32 on the same messages.
The classify job also runs the other-language flag (classifiers.language) on every message;
its row shows what that adds.

    .venv/bin/python benchmarks/classify.py [--messages N] [--threads T] [--data PATH]
        [--artefact DIR]   # another artefact than the committed one (e.g. a candidate)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = Path(os.environ.get("TRUSTWATCH_DATASETS", ROOT.parent / "shared" / "datasets"))

CHILD = r"""
import json, resource, sys, time
engine, path, threads, batch_size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
out_path, artefact = sys.argv[5], sys.argv[6]
texts = json.loads(open(path, encoding="utf-8").read())
started = time.perf_counter()
if engine.startswith("trustwatch"):
    from classifiers.inference import TransformerClassifier
    precision = "bf16" if "bf16" in engine else "fp32"
    where = {"artefact_dir": artefact} if artefact else {}
    model = TransformerClassifier(threads=threads, precision=precision, **where)
    model.batch_size = batch_size
    score = model.predict_proba
elif engine == "other-language flag":
    from classifiers.language import other_language_scores
    score = other_language_scores
else:
    import torch
    torch.set_num_threads(threads)
    from profanity_check import predict_prob
    score = predict_prob
loaded = time.perf_counter() - started
warm = time.perf_counter()
score(texts[:64])
warm_s = time.perf_counter() - warm
started = time.perf_counter()
scores = score(texts)
seconds = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if engine.startswith("trustwatch"):
    scores.to_json(out_path, orient="values")
print(json.dumps({"load_s": loaded, "warm_s": warm_s, "seconds": seconds, "peak_rss_mb": peak_mb}))
"""

ENGINES = ("trustwatch fp32", "trustwatch bf16", "alt-profanity-check", "other-language flag")


def messages(data_dir: Path, count: int) -> list[str]:
    """Real posts when the datasets are present, else the hand-written check set."""
    texts: list[str] = []
    hate = data_dir / "tweeteval" / "hate" / "test_text.txt"
    if hate.is_file():
        texts = hate.read_text(encoding="utf-8").split("\n")[:-1]
    if not texts:
        import pandas as pd

        texts = pd.read_csv(ROOT / "classifiers" / "school" / "check.csv")["text"].tolist()
    return [texts[i % len(texts)] for i in range(count)]


def run(
    engine: str, path: Path, threads: int, batch_size: int, out: Path, artefact: Path | None = None
) -> dict[str, float]:
    """One engine in a fresh interpreter; its scores (ours only) are written to `out`."""
    args = [
        engine,
        str(path),
        str(threads),
        str(batch_size),
        str(out),
        str(artefact.resolve()) if artefact else "",
    ]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def max_difference(scores: Path, reference: Path) -> float:
    """Largest absolute score difference between two engines' outputs on the same messages."""
    import numpy as np

    ours = np.asarray(json.loads(scores.read_text(encoding="utf-8")), dtype=float)
    ref = np.asarray(json.loads(reference.read_text(encoding="utf-8")), dtype=float)
    return float(np.abs(ours - ref).max())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--engines", nargs="+", choices=ENGINES, default=list(ENGINES), metavar="ENGINE"
    )
    parser.add_argument(
        "--artefact", type=Path, default=None, help="Artefact folder (default: the committed one)."
    )
    args = parser.parse_args()
    texts = messages(args.data, args.messages)
    path = ROOT / "var" / "benchmark_classify_messages.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(texts), encoding="utf-8")
    outputs = {engine: path.with_suffix(f".{i}.json") for i, engine in enumerate(ENGINES)}
    try:
        mean_chars = sum(len(t) for t in texts) / len(texts)
        print(f"{len(texts)} messages (mean {mean_chars:.0f} chars), {args.threads} threads")
        if args.artefact:
            print(f"artefact {args.artefact}")
        for engine in args.engines:
            result = run(
                engine, path, args.threads, args.batch_size, outputs[engine], args.artefact
            )
            rate = len(texts) / result["seconds"]
            line = (
                f"{engine:25} {rate:6.0f} msg/s  peak RSS {result['peak_rss_mb']:5.0f} MB  "
                f"load {result['load_s']:.1f} s  first batch {result['warm_s']:.1f} s"
            )
            reference = outputs["trustwatch fp32"]
            if engine.startswith("trustwatch ") and engine != ENGINES[0] and reference.is_file():
                difference = max_difference(outputs[engine], reference)
                line += f"  max |diff| vs fp32 {difference:.4f}"
            print(line, flush=True)
    finally:
        path.unlink(missing_ok=True)
        for output in outputs.values():
            output.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
