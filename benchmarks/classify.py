"""Classifier throughput: messages per second and peak memory, ours beside alt-profanity-check.

Each engine runs in its own fresh interpreter so its peak RSS is its own. Messages are real
tweets read at run time from the shared datasets (never stored in the repo); without them,
the hand-written school check set is repeated. The target is >= 300 msg/s on 2 cores.

    .venv/bin/python benchmarks/classify.py [--messages N] [--threads T] [--data PATH]
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
texts = json.loads(open(path, encoding="utf-8").read())
started = time.perf_counter()
if engine == "trustwatch":
    import classifiers
    model = classifiers.load_default(threads=threads)
    model.batch_size = batch_size
    score = model.predict_proba
else:
    import torch
    torch.set_num_threads(threads)
    from profanity_check import predict_prob
    score = predict_prob
loaded = time.perf_counter() - started
score(texts[:64])
started = time.perf_counter()
score(texts)
seconds = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"load_s": loaded, "seconds": seconds, "peak_rss_mb": peak_mb}))
"""


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


def run(engine: str, path: Path, threads: int, batch_size: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, engine, str(path), str(threads), str(batch_size)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    texts = messages(args.data, args.messages)
    path = ROOT / "var" / "benchmark_classify_messages.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(texts), encoding="utf-8")
    try:
        mean_chars = sum(len(t) for t in texts) / len(texts)
        print(f"{len(texts)} messages (mean {mean_chars:.0f} chars), {args.threads} threads")
        for engine in ("trustwatch", "alt-profanity-check"):
            result = run(engine, path, args.threads, args.batch_size)
            rate = len(texts) / result["seconds"]
            print(
                f"{engine:20} {rate:8.0f} msg/s  peak RSS {result['peak_rss_mb']:6.0f} MB  "
                f"load {result['load_s']:.1f} s"
            )
    finally:
        path.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
