"""The training loop, shared by pretraining and fine-tuning and by every family.

A batch is a list of (prompt, answer) pairs encoded as `<s> prompt answer \\n`.
Loss covers the answer and its newline; for plain text (empty prompt) it
covers the whole line. Fine-tuning mixes in pretraining examples ("replay")
so that an expert moves away from the base only where its skill needs it,
which is what keeps task vectors small and mergeable.
"""

import math
import time

import torch
import torch.nn.functional as F

import tokenizer as tok


def encode_batch(examples):
    seqs, masks = [], []
    for prompt, answer in examples:
        p = tok.encode(prompt)
        a = tok.encode(answer + "\n", bos=False)
        seqs.append(p + a)
        # with an empty prompt the whole text is the target
        masks.append([0] * len(p) + [1] * len(a) if prompt else [0] + [1] * len(a))
    t = max(map(len, seqs))
    ids = torch.full((len(seqs), t), tok.PAD_ID, dtype=torch.long)
    loss_mask = torch.zeros((len(seqs), t), dtype=torch.float32)
    for i, (s, m) in enumerate(zip(seqs, masks)):
        ids[i, : len(s)] = torch.tensor(s)
        loss_mask[i, : len(m)] = torch.tensor(m, dtype=torch.float32)
    return ids, loss_mask


def loss_on(model, ids, loss_mask):
    logits = model(ids[:, :-1])
    target, mask = ids[:, 1:], loss_mask[:, 1:]
    per_token = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), reduction="none")
    return (per_token * mask.reshape(-1)).sum() / mask.sum()


def train(model, streams, *, steps, lr, batch_size, warmup, seed, weight_decay=0.0,
          min_lr_ratio=0.1, log_every=100, should_stop=None, check_every=None, after_step=None, sam_rho=0.0,
          sam_within=None):
    """streams: list of (iterator, fraction), or a function of the step returning such a
    list (a mixture that changes during training). Returns the number of steps taken.

    `should_stop(step)` is called every `check_every` steps; training ends early
    when it returns True (used to stop fine-tuning as soon as the skill is learnt).
    `after_step()` runs after every optimiser step (fine-tuning's subspace projection).
    Frozen parameters (requires_grad False) are left out of the optimiser.
    `sam_rho` > 0: sharpness-aware minimisation (Foret et al., 2021), the gradient taken at
    weights moved `sam_rho` along the normalised gradient; twice the compute per step.
    `sam_within` ({parameter name: in_features x in_features projection}): the move is the
    gradient projected onto those input directions, and parameters not named stay put.
    """
    torch.manual_seed(seed)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, betas=(0.9, 0.98), weight_decay=weight_decay)
    mixture = streams if callable(streams) else (lambda _step: streams)
    start = time.time()
    for step in range(1, steps + 1):
        progress = (step - warmup) / max(1, steps - warmup)
        scale = step / warmup if step <= warmup else min_lr_ratio + (1 - min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))
        for g in opt.param_groups:
            g["lr"] = lr * scale
        current = mixture(step)
        counts = _split_counts(batch_size, [f for _, f in current])
        examples = [next(it) for (it, _), n in zip(current, counts) for _ in range(n)]
        ids, mask = encode_batch(examples)
        model.train()
        loss = loss_on(model, ids, mask)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if sam_rho:
            _sharpness_aware_gradient(model, ids, mask, sam_rho, sam_within)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if after_step:
            after_step()
        if step % log_every == 0:
            print(f"  step {step:5d}  loss {loss.item():.4f}  {time.time() - start:6.0f}s", flush=True)
        if should_stop and check_every and step % check_every == 0 and should_stop(step):
            return step
    return steps


def sharpness_moves(grads, rho, within=None):
    """SAM's move to the worst nearby point, rho * g / |g| ({name: gradient} in, {name: move} out),
    with each gradient first projected by `within[name]` when given; names `within` lacks stay put."""
    directions = {name: g if within is None else g @ within[name]
                  for name, g in grads.items() if within is None or name in within}
    norm = torch.sqrt(sum(d.pow(2).sum() for d in directions.values())) + 1e-12
    return {name: rho * d / norm for name, d in directions.items()}


def _sharpness_aware_gradient(model, ids, mask, rho, within=None):
    """Replaces the gradients with those at the worst nearby point (sharpness_moves)."""
    params = {name: p for name, p in model.named_parameters() if p.grad is not None}
    with torch.no_grad():
        moves = sharpness_moves({name: p.grad for name, p in params.items()}, rho, within)
        for name, move in moves.items():
            params[name].add_(move)
    for p in params.values():
        p.grad = None
    loss_on(model, ids, mask).backward()
    with torch.no_grad():
        for name, move in moves.items():
            params[name].sub_(move)


def _split_counts(total, fractions):
    counts = [int(total * f) for f in fractions]
    counts[0] += total - sum(counts)
    return counts
