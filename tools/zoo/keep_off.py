"""Keeps an expert's weight change off the activations that the other skills produce.

For every linear layer, the inputs it sees while the model reads the other skills' prompts
and answers span a subspace (found from their covariance, to a share of the energy). An
expert is then fine-tuned with its change to that layer's weight projected, after every
optimiser step, onto the complement: delta <- delta (I - U U^T). Adding such a delta to
another model leaves that layer's output unchanged on the other skills' inputs, which is
what task arithmetic assumes and what unconstrained experts on this small base violate
(tools/zoo/README.md: what worked). Embeddings and norm scales, which no input projection
can confine, stay at the base's values. Works on any family built from nn.Linear layers.
"""

import torch

import tasks
import tokenizer as tok
from train import encode_batch


@torch.no_grad()
def accumulate_second_moments(model, skills, held_out, examples, seed, covariances):
    """Adds x^T x of every linear layer's inputs, over `examples` training items per skill, to `covariances`."""
    linears = {name: m for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)}
    batch = []
    for j, skill in enumerate(skills):
        stream = tasks.training_stream(tasks.SKILLS[skill][0], seed + j, held_out)
        batch += [next(stream) for _ in range(examples)]
    ids, _ = encode_batch(batch)
    inputs = ids[:, :-1]
    real = (inputs != tok.PAD_ID).reshape(-1)  # padding positions say nothing about the skill

    def hook(name):
        def record(_module, args, _output):
            x = args[0].reshape(-1, args[0].shape[-1])[real].double()
            covariances.setdefault(name, torch.zeros(x.shape[1], x.shape[1], dtype=torch.float64))
            covariances[name] += x.T @ x
        return record

    handles = [m.register_forward_hook(hook(name)) for name, m in linears.items()]
    model.eval()
    model(inputs)
    for h in handles:
        h.remove()


def input_subspaces(sources, held_out, *, energy, examples, seed):
    """sources: (model, skills) pairs whose activations on those skills' training items are kept off.

    Returns {weight name: orthonormal basis (in_features x k)}, k the fewest directions
    holding `energy` of the summed second moment.
    """
    covariances = {}
    for i, (model, skills) in enumerate(sources):
        accumulate_second_moments(model, skills, held_out, examples, seed + 100 * i, covariances)
    bases = {}
    for name, c in covariances.items():
        values, vectors = torch.linalg.eigh(c)
        values, vectors = values.flip(0), vectors.flip(1)
        k = int((values.cumsum(0) / values.sum() < energy).sum()) + 1
        bases[f"{name}.weight"] = vectors[:, :k].float()
    return bases


def describe(bases):
    """How many directions are kept off, as "min-max of in_features" per input width."""
    by_width = {}
    for u in bases.values():
        by_width.setdefault(u.shape[0], []).append(u.shape[1])
    return ", ".join(f"{min(k)}-{max(k)} of {width}" for width, k in sorted(by_width.items()))


class OffSubspaces:
    """Freezes what cannot be confined and projects the rest after every step (`train(after_step=...)`)."""

    def __init__(self, model, bases):
        self.params = dict(model.named_parameters())
        for name, p in self.params.items():
            p.requires_grad_(name in bases)
        self.start = {name: self.params[name].detach().clone() for name in bases}
        self.complements = {name: torch.eye(u.shape[0]) - u @ u.T for name, u in bases.items()}

    @torch.no_grad()
    def __call__(self):
        for name, complement in self.complements.items():
            p = self.params[name]
            p.copy_(self.start[name] + (p - self.start[name]) @ complement)

    def release(self):
        for p in self.params.values():
            p.requires_grad_(True)
