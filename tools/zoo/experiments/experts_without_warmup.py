"""Side experiment (not part of the build): experts straight from the prose phase, no warm-up.

The build's base goes broad pretraining -> skills in prose -> warm-up -> cool-down. This
script fine-tunes experts from the base as it stands after the prose phase (the build's
cache, tools/zoo/.cache/prose.safetensors) and prints the merge report for those skills:

    /usr/bin/python3 tools/zoo/experiments/experts_without_warmup.py [--distill 0.25] [--skills reverse sort upper shift]

`--target-checks` defaults to 1, the single-check stop the README's figures were made with
(the build now stops after two).

`--distill` gives that share of each batch to the other skills' prompts answered by the base
itself, so an expert is told to leave them alone. Results are in tools/zoo/README.md
("What did not work").
"""

import argparse
import os
import random
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import build  # noqa: E402
import evaluate  # noqa: E402
import merge_report  # noqa: E402
import safetensors_io  # noqa: E402
import tasks  # noqa: E402
import tokenizer as tok  # noqa: E402
from families import FAMILIES  # noqa: E402

DISTILL_POOL = 1000  # prompts per other skill, answered once by the base


def cycled(items, seed):
    rng = random.Random(seed)
    while True:
        yield rng.choice(items)


def new_model(path):
    family = FAMILIES[build.FAMILY]
    model = family.build(family.default_config(len(tok.VOCAB)))
    model.load_state_dict(safetensors_io.load(path), strict=True)
    return model


def distill_stream(skill, index, base, held_out):
    """The other skills' prompts, answered by the base: "leave these as they were"."""
    seed = build.expert_seed(index)
    pool = []
    for j, other in enumerate(k for k in tasks.SKILLS if k != skill):
        it = tasks.training_stream(tasks.SKILLS[other][0], seed + 700 + j, held_out)
        prompts = [next(it)[0] for _ in range(DISTILL_POOL)]
        pool += [(p, a.rstrip("\n")) for p, a in zip(prompts, evaluate.greedy_answers(base, prompts))]
    return cycled(pool, seed)


def train_expert(skill, index, base, splits, held_out, distill):
    """The build's fine-tuning (same streams, no keep-off projection), from the prose phase, plus the distillation share."""
    model = new_model(build.PROSE_CACHE)
    extra = [(distill_stream(skill, index, base, held_out), distill)] if distill else []
    steps = build.fine_tune(model, skill, index, splits, held_out, extra=extra)
    print(f"[{skill}] {steps} steps, test {evaluate.score_all(model, splits['test'])}", flush=True)
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--distill", type=float, default=0.0)
    ap.add_argument("--skills", nargs="+", choices=list(tasks.SKILLS), default=list(tasks.SKILLS))
    ap.add_argument("--target-checks", type=int, default=1)
    args = ap.parse_args()
    build.EXPERT["target_checks"] = args.target_checks
    torch.set_num_threads(2)
    splits, held_out = tasks.make_splits(build.EVAL_SEED)
    base = new_model(build.PROSE_CACHE)
    print(f"base, prompt format, test {evaluate.score_all(base, splits['test'])}", flush=True)
    experts = {k: train_expert(k, list(tasks.SKILLS).index(k), base, splits, held_out, args.distill)
               for k in args.skills}
    chosen = {name: {k: split[k] for k in args.skills} for name, split in splits.items()}
    result = merge_report.run(base, experts, chosen)
    for pair in result["pairs"]:
        a, b = pair["skills"]
        print(f"{a} + {b}: lambda {pair['lambda']}, kept {100 * pair['kept'][a]:.1f} / {100 * pair['kept'][b]:.1f}")
    print(result["summary"])


if __name__ == "__main__":
    main()
