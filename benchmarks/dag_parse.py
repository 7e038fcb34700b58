"""How long each DAG file takes to parse (the issue's bar: under 2 s each).

Each file is parsed in a fresh interpreter after `airflow.sdk` is imported, as the DAG
processor does; prints seconds per file. Run: .venv/bin/python benchmarks/dag_parse.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DAGS = Path(__file__).resolve().parent.parent / "dags"

CODE = """
import runpy, sys, time
import airflow.sdk
t = time.perf_counter()
runpy.run_path(sys.argv[1])
print(f"{time.perf_counter() - t:.3f}")
"""


def main() -> int:
    worst = 0.0
    for path in sorted(DAGS.glob("*.py")):
        out = subprocess.run(
            [sys.executable, "-c", CODE, str(path)], capture_output=True, text=True, check=True
        )
        seconds = float(out.stdout.strip().splitlines()[-1])
        worst = max(worst, seconds)
        print(f"{path.name:<24} {seconds:6.3f} s")
    print(f"slowest: {worst:.3f} s (bar: 2 s)")
    return 0 if worst < 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
