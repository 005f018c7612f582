"""Side measurement: where a pair merge hurts the first skill.

    /usr/bin/python3 tools/zoo/experiments/pair_damage.py add count

Task arithmetic of the two saved experts at lambda 1, scored on the first skill (dev and test
together): as merged, with the second expert's change scaled down, and with it dropped from
one tensor, then one whole layer, at a time. If the loss sits in a few tensors, dropping one
recovers it; if it is spread, only scaling the change down does.
"""

import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import build  # noqa: E402
import evaluate  # noqa: E402
import tasks  # noqa: E402


def main():
    first, second = sys.argv[1], sys.argv[2]
    torch.set_num_threads(2)
    splits, _ = tasks.make_splits(build.EVAL_SEED)
    items = splits["dev"][first] + splits["test"][first]
    base = build.load_model(build.BASE["id"]).state_dict()
    own = build.load_model(build.expert_id(first)).state_dict()
    other = build.load_model(build.expert_id(second)).state_dict()

    def score(kept=lambda _name: 1.0):
        state = {n: own[n] + kept(n) * (other[n] - base[n]) for n in base}
        return 100 * evaluate.exact_match(build.model_from_state(state), items)

    print(f"{first} expert alone: {100 * evaluate.exact_match(build.model_from_state(own), items):.1f}")
    print(f"merged with {second}: {score():.1f}")
    for scale in (0.75, 0.5):
        print(f"{second}'s change scaled by {scale}: {score(lambda _n, s=scale: s):.1f}")
    tensors = [n for n in base if n.endswith("proj.weight") or n == "lm_head.weight"]
    for name in tensors:
        print(f"without {second}'s change to {name}: {score(lambda n, t=name: 0.0 if n == t else 1.0):.1f}")
    layers = sorted({n.split(".")[2] for n in tensors if ".layers." in n}, key=int)
    for layer in layers:
        print(f"without {second}'s change to layer {layer}: "
              f"{score(lambda n, l=layer: 0.0 if f'.layers.{l}.' in n else 1.0):.1f}")


if __name__ == "__main__":
    main()
