"""Side experiment: how far SAM should move an expert in its partners' space (build.py's sam_rho).

    /usr/bin/python3 tools/zoo/experiments/partner_radius.py add

On 256 fresh training items of `skill`, prints the saved expert's loss alone, with each other
saved expert's change added (what a pair merge does to it), and at the worst nearby point of
radius rho: along the normalised gradient projected onto the partners' space (the input
directions the skill's own activations leave nearly empty, build.partner_space), and along the
plain gradient for contrast. A radius at which the worst move costs about what the most harmful
partner costs is the scale SAM should defend against. Seconds, two threads.

The partners' space here comes from the saved expert (the last round's), where the build takes
it from the expert of the round before: close enough to choose a radius, not the build's exact
projection.
"""

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import build  # noqa: E402
import tasks  # noqa: E402
from train import encode_batch, loss_on, sharpness_moves  # noqa: E402

RADII = [0.02, 0.1, 0.3, 1.0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("skill", choices=list(tasks.SKILLS))
    args = ap.parse_args()
    torch.set_num_threads(2)
    _, held_out = tasks.make_splits(build.EVAL_SEED)
    base = build.load_model(build.BASE["id"]).state_dict()
    experts = {s: build.load_model(build.expert_id(s)).state_dict() for s in tasks.SKILLS}
    own = experts[args.skill]
    within = build.partner_space(args.skill, base, {args.skill: own}, held_out)
    stream = tasks.training_stream(tasks.SKILLS[args.skill][0], 31337, held_out)
    ids, mask = encode_batch([next(stream) for _ in range(256)])
    model = build.model_from_state(own)

    def loss_at(state):
        model.load_state_dict(state)
        model.eval()
        with torch.no_grad():
            return loss_on(model, ids, mask).item()

    print(f"{args.skill} expert alone: loss {loss_at(own):.3f}")
    for other in tasks.SKILLS:
        if other != args.skill:
            delta = {k: experts[other][k] - base[k] for k in base}
            size = torch.sqrt(sum(v.pow(2).sum() for v in delta.values()))
            print(f"  + {other}'s change (norm {size:.1f}): loss {loss_at({k: own[k] + delta[k] for k in base}):.3f}")

    model.load_state_dict(own)
    model.train()
    loss_on(model, ids, mask).backward()
    # "everywhere" moves the linear weights only, as the partners' space does, so the two differ in direction alone
    grads = {name: p.grad.clone() for name, p in model.named_parameters() if name in within}
    for rho in RADII:
        row = []
        for label, space in (("partners' space", within), ("everywhere", None)):
            move = sharpness_moves(grads, rho, space)
            row.append(f"{label} {loss_at({k: v + move[k] if k in move else v for k, v in own.items()}):.3f}")
        print(f"  worst move of radius {rho}: " + ", ".join(row))


if __name__ == "__main__":
    main()
