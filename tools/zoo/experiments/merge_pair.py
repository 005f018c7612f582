"""Side measurement: task arithmetic of two experts, either of which may be a weights file.

    /usr/bin/python3 tools/zoo/experiments/merge_pair.py add=add.safetensors count=count.safetensors

Each argument is a skill, optionally with `=FILE`: the saved expert for that skill, or the
weights in FILE (for example one that `one_more_round.py --out` wrote). Prints both experts'
test scores and the pair as the build's report scores it (lambda chosen on dev, kept = merge /
expert on test). A minute, two threads.
"""

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import build  # noqa: E402
import evaluate  # noqa: E402
import merge_report  # noqa: E402
import safetensors_io  # noqa: E402
import tasks  # noqa: E402


def expert(spec):
    skill, _, path = spec.partition("=")
    if skill not in tasks.SKILLS:
        raise SystemExit(f"unknown skill {skill!r}; one of {', '.join(tasks.SKILLS)}")
    return skill, safetensors_io.load(path) if path else build.load_model(build.expert_id(skill)).state_dict()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("first", help="skill or skill=FILE")
    ap.add_argument("second", help="skill or skill=FILE")
    args = ap.parse_args()
    torch.set_num_threads(2)
    (a, state_a), (b, state_b) = expert(args.first), expert(args.second)
    if a == b:
        raise SystemExit("two experts of different skills, please")
    splits, _ = tasks.make_splits(build.EVAL_SEED)
    base = build.load_model(build.BASE["id"]).state_dict()
    experts = {a: state_a, b: state_b}
    expert_test = {s: evaluate.exact_match(build.model_from_state(e), splits["test"][s]) for s, e in experts.items()}
    deltas = {s: {k: v - base[k] for k, v in e.items()} for s, e in experts.items()}
    p = merge_report.pair(build.model_from_state(base), base, deltas, expert_test, splits, a, b)
    print(f"{a} {100 * expert_test[a]:.1f}, {b} {100 * expert_test[b]:.1f} on test; {a} + {b}: lambda {p['lambda']}, "
          f"kept {100 * p['kept'][a]:.1f} / {100 * p['kept'][b]:.1f}")


if __name__ == "__main__":
    main()
