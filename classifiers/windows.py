"""Turning texts into model-sized token windows and back into one score per text.

Posts can be far longer than the model's window. Rather than truncate (and miss abuse at the
end of a long post), each text is cut into overlapping windows and a text's score per label
is the maximum over its windows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class Window:
    """One model input: token ids with special tokens, and the text it came from."""

    text_index: int
    input_ids: list[int]


def token_windows(
    token_ids: list[int], max_length: int, cls_id: int, sep_id: int, overlap: float = 0.25
) -> list[list[int]]:
    """Split body tokens into windows of at most max_length (with [CLS]/[SEP]) that overlap."""
    body = max_length - 2
    if len(token_ids) <= body:
        return [[cls_id, *token_ids, sep_id]]
    stride = max(1, int(body * (1.0 - overlap)))
    starts = list(range(0, len(token_ids) - body + 1, stride))
    if starts[-1] + body < len(token_ids):
        starts.append(len(token_ids) - body)
    return [[cls_id, *token_ids[s : s + body], sep_id] for s in starts]


def build_windows(tokenizer, texts: list[str], max_length: int) -> list[Window]:
    """Tokenize texts (already normalised) into windows, remembering each one's text."""
    encoded = tokenizer(texts, add_special_tokens=False, truncation=False)["input_ids"]
    windows: list[Window] = []
    for index, ids in enumerate(encoded):
        for chunk in token_windows(ids, max_length, tokenizer.cls_token_id, tokenizer.sep_token_id):
            windows.append(Window(index, chunk))
    return windows


def length_buckets(lengths: list[int], batch_size: int) -> Iterator[list[int]]:
    """Batches of indices with similar lengths, so little compute is spent on padding."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size].tolist()


def pad_batch(sequences: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad id lists into input_ids and attention_mask tensors."""
    width = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return ids, mask


def score_windows(
    network: torch.nn.Module,
    windows: list[Window],
    n_texts: int,
    n_outputs: int,
    pad_id: int,
    batch_size: int,
) -> np.ndarray:
    """Sigmoid scores per text (max over its windows), shape (n_texts, n_outputs)."""
    scores = np.zeros((n_texts, n_outputs), dtype=np.float32)
    if not windows:
        return scores
    owners = np.asarray([w.text_index for w in windows])
    window_scores = np.zeros((len(windows), n_outputs), dtype=np.float32)
    with torch.inference_mode():
        for batch in length_buckets([len(w.input_ids) for w in windows], batch_size):
            ids, mask = pad_batch([windows[i].input_ids for i in batch], pad_id)
            window_scores[batch] = torch.sigmoid(network(ids, mask)).float().numpy()
    np.maximum.at(scores, owners, window_scores)
    return scores
