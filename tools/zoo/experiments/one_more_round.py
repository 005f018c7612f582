"""Side experiment: one more keep-off round for one expert, with other settings, and its five pairs.

    /usr/bin/python3 tools/zoo/experiments/one_more_round.py add [--sam-rho 0.5] [--sam-space all] [--energy 0.995]

Fine-tunes the expert for `skill` from the base as a later round of `build.py` would (kept off
the base's and the saved experts' activations on the other skills), with the energy share and
sharpness-aware minimisation given, then scores it on test and merges it with each saved
expert by task arithmetic (lambda chosen on dev, as in the build's report). Saves nothing
unless --out is given: the committed zoo stays as it is. A few minutes to half an hour, one thread.
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("skill", choices=list(tasks.SKILLS))
    ap.add_argument("--energy", type=float, default=build.KEEP_OFF["energy"])
    ap.add_argument("--sam-rho", type=float, default=build.EXPERT["sam_rho"])
    ap.add_argument("--sam-space", choices=build.SAM_SPACES, default=build.EXPERT["sam_space"])
    ap.add_argument("--out", help="save the new expert's weights here (safetensors)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    build.KEEP_OFF["energy"], build.EXPERT["sam_rho"] = args.energy, args.sam_rho
    build.EXPERT["sam_space"] = args.sam_space
    splits, held_out = tasks.make_splits(build.EVAL_SEED)
    base_state = build.load_model(build.BASE["id"]).state_dict()
    saved = {s: build.load_model(build.expert_id(s)).state_dict() for s in tasks.SKILLS}
    work = (args.skill, "extra", base_state, saved, splits, held_out, False, (dict(build.EXPERT), dict(build.KEEP_OFF)))
    _, state, steps = build.expert_round(work)
    if args.out:
        safetensors_io.save(state, args.out, {"format": "pt"})

    experts = {**saved, args.skill: state}
    template = build.model_from_state(base_state)
    expert_test = {s: evaluate.exact_match(build.model_from_state(e), splits["test"][s]) for s, e in experts.items()}
    print(f"{args.skill}: {steps} steps, test {100 * expert_test[args.skill]:.1f}", flush=True)
    deltas = {s: {k: v - base_state[k] for k, v in e.items()} for s, e in experts.items()}
    for other in tasks.SKILLS:
        if other != args.skill:
            p = merge_report.pair(template, base_state, deltas, expert_test, splits, args.skill, other)
            print(f"{args.skill} + {other}: lambda {p['lambda']}, kept {100 * p['kept'][args.skill]:.1f} / "
                  f"{100 * p['kept'][other]:.1f}", flush=True)


if __name__ == "__main__":
    main()
