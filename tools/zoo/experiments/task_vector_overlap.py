"""Side experiment: how the committed experts' task vectors overlap in weight space.

    /usr/bin/python3 tools/zoo/experiments/task_vector_overlap.py

Prints each task vector's norm, the cosine between every two (over all parameters), and the
share of each vector's squared norm per layer (embeddings and norms together, the head apart).
"""

import itertools
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import build  # noqa: E402
import tasks  # noqa: E402


def where(name):
    if ".layers." in name:
        return f"layer {name.split('.')[2]}"
    return "head" if name.startswith("lm_head") else "embeddings and norm"


def main():
    base = build.load_model(build.BASE["id"]).state_dict()
    vectors = {s: {k: v - base[k] for k, v in build.load_model(build.expert_id(s)).state_dict().items()}
               for s in tasks.SKILLS}
    flat = {s: torch.cat([v.flatten() for v in tv.values()]) for s, tv in vectors.items()}
    print("norms", {s: round(float(f.norm()), 2) for s, f in flat.items()})
    for a, b in itertools.combinations(tasks.SKILLS, 2):
        print(f"{a} + {b}: cosine {float(torch.nn.functional.cosine_similarity(flat[a], flat[b], dim=0)):.3f}")
    for s, tv in vectors.items():
        total = float(flat[s].pow(2).sum())
        share = {}
        for k, v in tv.items():
            share[where(k)] = share.get(where(k), 0.0) + float(v.pow(2).sum()) / total
        print(s, {k: round(v, 2) for k, v in share.items()})


if __name__ == "__main__":
    main()
