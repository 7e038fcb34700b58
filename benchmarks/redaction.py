"""Secret redaction of long strings: the time to redact 40 KB, 100 KB and 1 MB.

Every log line, connector error and quarantine reason goes through
`trustwatch.logging_setup.redact`. The URL-password pattern used to restart its scan at
every letter (40,000 characters took 6 s, 1 MB about an hour); it is now anchored on
"://", so time grows linearly. Each size is timed on four shapes of text: one long word
(the old worst case), prose, a run of URLs with passwords, and "a://" repeated; the output
is checked (every secret and password gone) so a fast wrong answer cannot pass.

    .venv/bin/python benchmarks/redaction.py [--sizes 40000,100000,1000000]
"""

from __future__ import annotations

import argparse
import time

from trustwatch.logging_setup import REDACTED, SecretRedactor

SECRET = "SENTINEL-bench-token-4b1f9e"
PASSWORD = "pw-bench-77c2"


def shapes(size: int) -> dict[str, str]:
    url = f"see postgresql+psycopg2://trustwatch:{PASSWORD}@db:5432/warehouse and {SECRET} "
    return {
        "one long word": ("x" * size),
        "prose": ("Oakfield Primary parents evening is on Tuesday. " * size)[:size],
        "urls with passwords": (url * (size // len(url) + 1))[:size],
        "a:// repeated": ("a://" * (size // 4 + 1))[:size],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="40000,100000,1000000")
    args = parser.parse_args()
    redactor = SecretRedactor([SECRET])
    print(f"{'characters':>10}  {'text':<20} {'seconds':>8}")
    for size in (int(s) for s in args.sizes.split(",")):
        worst = 0.0
        for name, text in shapes(size).items():
            started = time.perf_counter()
            out = redactor.redact(text)
            seconds = time.perf_counter() - started
            worst = max(worst, seconds)
            complete = text.rfind(" ") - len(SECRET)  # the last whole copy ends before this
            assert SECRET not in out[: max(0, complete)], "a secret survived redaction"
            assert PASSWORD not in out[: max(0, complete)], "a password survived redaction"
            if name == "urls with passwords":
                assert REDACTED in out
            print(f"{size:>10,}  {name:<20} {seconds:>8.4f}")
        print(f"{size:>10,}  {'worst':<20} {worst:>8.4f}")


if __name__ == "__main__":
    main()
