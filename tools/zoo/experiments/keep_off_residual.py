"""Side measurement: how much of the other skills' activations an expert's kept-off subspaces miss.

    /usr/bin/python3 tools/zoo/experiments/keep_off_residual.py count [--energy 0.99] [--examples 256]

Builds the subspaces that a later round of `build.py` keeps the `skill` expert off (the base
and the saved experts on the other skills), then, on 256 fresh training items of each other
skill, prints the share of that skill's activation energy left outside them: the mean and the
largest over the linear layers. That share is what leaks into a merge.
"""

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import build  # noqa: E402
import keep_off  # noqa: E402
import tasks  # noqa: E402

FRESH_SEED = 98000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("skill", choices=list(tasks.SKILLS))
    ap.add_argument("--energy", type=float, default=build.KEEP_OFF["energy"])
    ap.add_argument("--examples", type=int, default=build.KEEP_OFF["examples"])
    args = ap.parse_args()
    torch.set_num_threads(2)
    _, held_out = tasks.make_splits(build.EVAL_SEED)
    base = build.load_model(build.BASE["id"])
    others = [s for s in tasks.SKILLS if s != args.skill]
    experts = {s: build.load_model(build.expert_id(s)) for s in others}
    sources = [(base, others)] + [(experts[s], [s]) for s in others]
    bases = keep_off.input_subspaces(sources, held_out, energy=args.energy, examples=args.examples,
                                     seed=build.KEEP_OFF["seed"])
    print(f"kept off: {keep_off.describe(bases)}")
    for i, other in enumerate(others):
        fresh = {}
        for j, model in enumerate((base, experts[other])):
            keep_off.accumulate_second_moments(model, [other], held_out, 256, FRESH_SEED + 10 * i + j, fresh)
        missed = []
        for name, u in bases.items():
            c, u = fresh[name[: -len(".weight")]], u.double()
            missed.append(float(1 - (u.T @ c @ u).trace() / c.trace()))
        print(f"{other}: energy outside, mean {100 * sum(missed) / len(missed):.2f}%, largest {100 * max(missed):.2f}%")


if __name__ == "__main__":
    main()
