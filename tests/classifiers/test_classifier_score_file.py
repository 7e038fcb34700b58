"""`trustwatch model score`: a trust's own CSV of posts, scored and measured.

A trust judges the model on its own labelled posts before it relies on it, so the figures
this command prints must be the ones `evaluate` would write for the same rows, a bad file must
be refused with its line and fix, and a scored export must be safe to open in a spreadsheet.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from classifiers.artefact import ARTEFACTS_DIR, DEFAULT_ARTEFACT
from classifiers.labels import LABELS
from classifiers.score_file import PostsFileError, f1_interval, read_posts, score_posts
from classifiers.training.school import SCHOOL_DIR
from trustwatch.cli import main
from trustwatch.spreadsheet import safe_cell

pytestmark = pytest.mark.slow

ARTEFACT = ARTEFACTS_DIR / DEFAULT_ARTEFACT


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_labelled_file_gets_the_figures_evaluate_wrote_for_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """fresh_check.csv is a labelled school file in the shape a trust would write; the
    command's figures and category table must equal the committed metrics.json's."""
    committed = json.loads((ARTEFACT / "metrics.json").read_text())["fresh_check"]
    posts = SCHOOL_DIR / "fresh_check.csv"
    out = tmp_path / "scored.csv"

    assert main(["model", "score", str(posts), "--artefact", str(ARTEFACT), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for label in LABELS:
        line = re.search(
            rf"^{label}\s+n=\s*(\d+) pos=\s*(\d+) .*F1=(\d\.\d{{3}}) "
            r"\(95% interval (\d\.\d\d)-(\d\.\d\d)\)$",
            printed,
            re.M,
        )
        assert line, f"no figures for {label} in:\n{printed}"
        expected = committed["labels"][label]
        assert int(line.group(1)) == expected["n"]
        assert int(line.group(2)) == expected["positives"]
        assert float(line.group(3)) == pytest.approx(expected["f1"], abs=0.0005)
        assert float(line.group(4)) < expected["f1"] < float(line.group(5))

    frame = read_posts(posts)
    from classifiers.inference import TransformerClassifier

    result = score_posts(frame, TransformerClassifier(ARTEFACT))
    assert result.categories == committed["categories"]

    scored = pd.read_csv(out, keep_default_na=False)
    assert len(scored) == len(frame)
    assert scored["text"].tolist() == [safe_cell(text) for text in frame["text"]]
    assert scored["category"].tolist() == frame["category"].tolist()
    for label in LABELS:
        flags = scored[f"flag_{label}"]
        assert flags.isin([0, 1]).all()
        threshold = result.thresholds[label]
        assert ((scored[f"score_{label}"] >= threshold - 0.0001) | (flags == 0)).all()


@pytest.fixture(scope="module")
def unlabelled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [
        ["1", "Thank you to the PTA for a brilliant summer fair!"],
        ["2", "my friend in year 8 says she's going to kill herself tonight, please help"],
        ["3", '=HYPERLINK("http://example.test","click")'],
        ["4", "Dziękuję bardzo za wspaniały dzień sportu w szkole, dzieci były zachwycone!"],
    ]
    return _write(tmp_path_factory.mktemp("posts") / "posts.csv", ["id", "message"], rows)


def test_an_unlabelled_file_is_scored_row_for_row_and_safe_to_open(
    unlabelled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scored.csv"
    argv = ["model", "score", str(unlabelled), "--text-column", "message", "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "4 posts" in printed and "against the file's labels" not in printed

    scored = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert scored["id"].tolist() == ["1", "2", "3", "4"]
    assert scored.loc[1, "flag_safeguarding"] == "1"
    assert scored.loc[0, "flag_safeguarding"] == "0"
    assert scored.loc[3, "flag_other_language"] == "1"
    assert scored.loc[0, "flag_other_language"] == "0"
    # A formula in a post stays text in a spreadsheet.
    assert scored.loc[2, "message"].startswith("'=HYPERLINK")


def test_blank_label_cells_are_left_out_and_a_label_without_positives_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    posts = _write(
        tmp_path / "partly.csv",
        ["text", "complaint", "hate"],
        [
            ["Nobody has answered the office phone all week. Shocking.", "1", "0"],
            ["Great assembly this morning, well done Year 6", "0", ""],
            ["Can you tell me when the trip money is due?", "no", "0"],
        ],
    )
    assert main(["model", "score", str(posts)]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"^complaint\s+n=\s*3 pos=\s*1 ", printed, re.M)
    assert re.search(r"^hate\s+n=\s*2 pos=\s*0 no positive rows: 0 of 2 flagged$", printed, re.M)
    assert not re.search(r"^abuse\s+n=", printed, re.M)


@pytest.mark.parametrize(
    ("header", "rows", "expected"),
    [
        (["text", "abuse"], [["fine", "0"], ["awful", "maybe"]], "column 'abuse', line 3"),
        (["message"], [["hello"]], "no column 'text' (columns: message)"),
    ],
    ids=["bad label", "no text column"],
)
def test_a_file_that_cannot_be_scored_names_the_problem_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], header, rows, expected
) -> None:
    posts = _write(tmp_path / "bad.csv", header, rows)
    assert main(["model", "score", str(posts)]) == 2
    err = capsys.readouterr().err
    assert str(posts) in err and expected in err and "Fix:" in err
    assert "Traceback" not in err


def test_a_file_that_is_not_utf8_or_missing_is_refused(tmp_path: Path) -> None:
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("text\nCaf\xe9 menu is awful\n".encode("latin-1"))
    with pytest.raises(PostsFileError, match=r"not a readable UTF-8 CSV file.*Fix: save it"):
        read_posts(latin)
    with pytest.raises(PostsFileError, match="no such file"):
        read_posts(tmp_path / "absent.csv")


def test_an_unwritable_output_is_a_user_error(
    unlabelled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no-such-folder" / "scored.csv"
    argv = ["model", "score", str(unlabelled), "--text-column", "message", "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"--out {out}" in err and "Fix:" in err and "Traceback" not in err


def test_the_f1_interval_narrows_with_more_rows_and_pins_certain_cases() -> None:
    """The interval is what stops a trust reading noise in a small sample, so it must cover
    the sample's F1, shrink as the sample grows, and collapse where there is no doubt."""
    truth = np.array([1] * 20 + [0] * 80, dtype=bool)
    flagged = truth.copy()
    flagged[:6] = False  # 6 of 20 missed
    flagged[20:24] = True  # 4 false flags
    point = 2 * 14 / (2 * 14 + 10)
    low, high = f1_interval(truth, flagged)
    assert low < point < high and high - low > 0.2
    big_low, big_high = f1_interval(np.tile(truth, 25), np.tile(flagged, 25))
    assert big_low < point < big_high and big_high - big_low < (high - low) / 3
    assert f1_interval(truth, truth) == (1.0, 1.0)
    assert f1_interval(truth, ~truth) == (0.0, 0.0)
