"""Token windows: long texts are covered end to end, in model-sized overlapping pieces."""

from __future__ import annotations

import torch

from classifiers.windows import length_buckets, pad_batch, token_windows

CLS, SEP = 101, 102


def test_short_text_is_one_window_with_special_tokens() -> None:
    assert token_windows([5, 6, 7], 64, CLS, SEP) == [[CLS, 5, 6, 7, SEP]]


def test_long_text_windows_cover_every_token_and_fit() -> None:
    tokens = list(range(1000, 1300))
    windows = token_windows(tokens, 64, CLS, SEP)
    assert len(windows) > 1
    assert all(len(w) <= 64 and w[0] == CLS and w[-1] == SEP for w in windows)
    covered = {t for w in windows for t in w[1:-1]}
    assert covered == set(tokens)
    assert windows[-1][-2] == tokens[-1]


def test_consecutive_windows_overlap() -> None:
    windows = token_windows(list(range(500)), 34, CLS, SEP, overlap=0.5)
    first, second = set(windows[0][1:-1]), set(windows[1][1:-1])
    assert len(first & second) == 16


def test_length_buckets_cover_all_indices_once() -> None:
    lengths = [5, 1, 9, 3, 7, 2, 8]
    batches = list(length_buckets(lengths, 3))
    assert sorted(i for b in batches for i in b) == list(range(7))
    assert [lengths[i] for i in batches[0]] == [1, 2, 3]


def test_pad_batch_masks_padding() -> None:
    ids, mask = pad_batch([[CLS, 5, SEP], [CLS, SEP]], 0)
    assert ids.tolist() == [[CLS, 5, SEP], [CLS, SEP, 0]]
    assert mask.tolist() == [[1, 1, 1], [1, 1, 0]]
    assert ids.dtype == torch.long
