"""Exact-match evaluation: greedy decoding from the prompt must produce the answer and a newline."""

from collections import defaultdict

import torch

import tokenizer as tok


@torch.no_grad()
def greedy_answers(model, prompts, max_new_tokens=12):
    """Greedy continuations (up to the first newline) for each prompt, all in one batch.

    Prompts are right-padded into one buffer; row i writes its next token at its own
    position. Causal attention means the padding after a row's end never affects it.
    """
    model.eval()
    encoded = [tok.encode(p) for p in prompts]
    lengths = torch.tensor([len(e) for e in encoded])
    ids = torch.full((len(encoded), int(lengths.max()) + max_new_tokens), tok.PAD_ID, dtype=torch.long)
    for i, e in enumerate(encoded):
        ids[i, : len(e)] = torch.tensor(e)
    rows = torch.arange(len(encoded))
    done = torch.zeros(len(encoded), dtype=torch.bool)
    for step in range(max_new_tokens):
        pos = lengths + step
        logits = model(ids[:, : int(pos.max())])
        nxt = logits[rows, pos - 1].argmax(-1)
        ids[rows, pos] = nxt
        done |= nxt == tok.NEWLINE_ID
        if done.all():
            break
    out = []
    for i, n in enumerate(lengths.tolist()):
        text = tok.decode(ids[i, n : n + max_new_tokens].tolist())
        out.append(text if "\n" not in text else text[: text.index("\n") + 1])
    return out


def exact_match(model, items):
    answers = greedy_answers(model, [it["prompt"] for it in items])
    return sum(a == it["answer"] + "\n" for a, it in zip(answers, items)) / len(items)


def score_all(model, split_by_skill):
    return {skill: exact_match(model, items) for skill, items in split_by_skill.items()}
