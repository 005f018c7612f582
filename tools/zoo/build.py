"""Builds the whole zoo: eval splits, the base, one expert per skill, cards, reference logits,
the score table and the merge report.

    /usr/bin/python3 tools/zoo/build.py            # everything (npm run zoo:build)
    /usr/bin/python3 tools/zoo/build.py --from experts   # keep the base, redo the rest

Deterministic from the seeds below (same machine, same --threads and --jobs: a rebuild from
scratch gives the committed files byte for byte; the README says how far that was checked).
"""

import argparse
import json
import multiprocessing
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))

import evaluate  # noqa: E402
import keep_off  # noqa: E402
import merge_report  # noqa: E402
import safetensors_io  # noqa: E402
import tasks  # noqa: E402
import tokenizer as tok  # noqa: E402
from families import FAMILIES  # noqa: E402
from train import train  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(ROOT, "public", "models")
EVALS = os.path.join(ROOT, "public", "evals")
ZOO_README = os.path.join(os.path.dirname(__file__), "README.md")

FAMILY = "llama"
EVAL_SEED = 7
BASE = dict(id="zoo-base", seed=0, steps=3000, lr=2e-3, batch_size=64, warmup=200, weight_decay=0.01)
# Then the skills in prose: the base keeps its broad mixture for a quarter of each batch and
# reads the skills' computations as sentences ("backwards, merge is egrem") for the rest, so it
# can compute every skill before any expert exists (see README: what worked).
PROSE = dict(seed=300, steps=4000, lr=1e-3, batch_size=64, warmup=50, weight_decay=0.01, share=0.75,
             min_lr_ratio=0.1, check_every=500)
# Then a skill warm-up: the base keeps training on its broad mixture with a share of batches
# given to the skills themselves, each skill only until it starts to work on dev. The base
# ends up holding a weak, prefix-routed version of every skill (still under 20% on test),
# which experts sharpen instead of each building a new circuit in the same few weights
# (see README: what worked).
WARMUP = dict(seed=77, steps=1500, lr=5e-4, batch_size=64, weight_decay=0.01, skill_share=0.375,
              check_every=50, stop_at_dev=0.1, cooldown_steps=150, cooldown_seed=78)
# The broad pretraining result, kept so `--from prose` can redo the prose phase and what follows.
PRETRAINED_CACHE = os.path.join(os.path.dirname(__file__), ".cache", "pretrained.safetensors")
# ... and the base after the prose phase, so `--from warmup` can redo the warm-up and what follows.
PROSE_CACHE = os.path.join(os.path.dirname(__file__), ".cache", "prose.safetensors")
# Fine-tuning is gentle on purpose: constant low learning rate, no weight decay,
# a quarter of each batch replays pretraining data (half broad, half prose), and it stops
# as soon as the skill holds the target on dev for `target_checks` checks in a row (one
# lucky check of 120 items let an expert stop 6 points short on test).
# Fine-tuning is sharpness-aware (SAM, train.py) in the partners' space: the adversarial move
# runs only along the input directions the expert's own skill leaves nearly empty, where the
# other experts' changes lie, so each expert learns to tolerate them (README: what worked).
EXPERT = dict(lr=5e-4, batch_size=64, warmup=20, replay=0.25, max_steps=3000, check_every=50,
              target_dev=0.95, target_checks=2, replay_seed_offset=500, prose_seed_offset=600, sam_rho=0.3,
              sam_space="partners")
SAM_SPACES = ("all", "partners")  # SAM's move: along the whole gradient, or the partners' space only
# Each expert's change to a linear layer is kept off the inputs that layer sees on the other
# skills (keep_off.py): from the base in the first round, and in later rounds also from the
# other experts of the round before, since a merge runs the other skills through those.
KEEP_OFF = dict(rounds=4, energy=0.99, examples=256, seed=4242)
REFERENCE_PROMPTS = ["add: 12+34=", "reverse: merge=", "The cat sees the red box"]


def expert_id(skill):
    return f"zoo-{skill}"


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def save_model(model, model_id, card):
    folder = os.path.join(MODELS, model_id)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(model.config, f, indent=2)
    safetensors_io.save(model.state_dict(), os.path.join(folder, "model.safetensors"), {"format": "pt"})
    tok.save(folder)
    with open(os.path.join(folder, "README.md"), "w") as f:
        f.write(card)
    write_reference_logits(model, os.path.join(folder, "reference_logits.json"))


def load_model(model_id):
    folder = os.path.join(MODELS, model_id)
    return model_from_state(safetensors_io.load(os.path.join(folder, "model.safetensors")), model_id)


def model_from_state(state, model_id=None):
    """A model of this family with `state`, shaped by `model_id`'s config (the base's by default)."""
    with open(os.path.join(MODELS, model_id or BASE["id"], "config.json")) as f:
        model = FAMILIES[FAMILY].build(json.load(f))
    model.load_state_dict(state, strict=True)
    return model


@torch.no_grad()
def write_reference_logits(model, path):
    model.eval()
    refs = []
    for prompt in REFERENCE_PROMPTS:
        ids = tok.encode(prompt)
        logits = model(torch.tensor([ids]))[0]
        refs.append({"prompt": prompt, "input_ids": ids,
                     "logits": [[float(f"{v:.7g}") for v in row] for row in logits.tolist()]})
    with open(path, "w") as f:
        json.dump({"note": "logits of every position, fp32, written by tools/zoo/build.py", "cases": refs}, f)


def write_evals(splits):
    os.makedirs(EVALS, exist_ok=True)
    for split, by_skill in splits.items():
        for skill, items in by_skill.items():
            with open(os.path.join(EVALS, f"{skill}.{split}.jsonl"), "w") as f:
                for it in items:
                    f.write(json.dumps(it) + "\n")
    index = {"skills": [{"id": s, "description": d, "splits": {k: len(v[s]) for k, v in splits.items()},
                         "examples": [it["prompt"] for it in splits["dev"][s][:3]]}
                        for s, (_, d) in tasks.SKILLS.items()]}
    with open(os.path.join(EVALS, "index.json"), "w") as f:
        json.dump(index, f, indent=2)


def card(model_id, description, base, training, scores, n_params):
    rows = "\n".join(f"| {s} | {100 * v:.1f} |" for s, v in scores.items())
    base_line = f"base_model: {base}\n" if base else ""
    return f"""---
library_name: merge-studio
{base_line}tags: [merge-studio-zoo, llama]
---
# {model_id}

{description}

- Architecture: LlamaForCausalLM, {n_params:,} parameters, fp32 weights, character-level tokenizer.
- Base: {base or "none (pretrained from scratch)"}
- Training: {training}
- Built by `tools/zoo/build.py` in Merge Studio; see `tools/zoo/README.md`.

## Exact match on the test split (greedy decoding, answer then newline)

| skill | exact match (%) |
|---|---|
{rows}
"""


def build_base(splits, held_out, start="base"):
    """start: "base" trains everything; "prose" reuses the cached broad pretraining; "warmup" the cached prose phase."""
    family = FAMILIES[FAMILY]
    torch.manual_seed(BASE["seed"])
    model = family.build(family.default_config(len(tok.VOCAB)))
    t0 = time.time()
    if start == "warmup":
        model.load_state_dict(safetensors_io.load(PROSE_CACHE), strict=True)
        print(f"[base] broad pretraining and prose loaded from {PROSE_CACHE}", flush=True)
    else:
        if start == "prose":
            model.load_state_dict(safetensors_io.load(PRETRAINED_CACHE), strict=True)
            print(f"[base] broad pretraining loaded from {PRETRAINED_CACHE}", flush=True)
        else:
            stream = tasks.training_stream(tasks.pretrain_example, BASE["seed"], held_out)
            print(f"[base] {param_count(model):,} parameters", flush=True)
            train(model, [(stream, 1.0)], steps=BASE["steps"], lr=BASE["lr"], batch_size=BASE["batch_size"],
                  warmup=BASE["warmup"], seed=BASE["seed"], weight_decay=BASE["weight_decay"])
            _save_cache(model, PRETRAINED_CACHE)
        prose_pretraining(model, splits, held_out)
        _save_cache(model, PROSE_CACHE)
    warmup_steps, warmed = skill_warmup(model, splits, held_out)
    cool_down(model, held_out)
    scores = evaluate.score_all(model, splits["test"])
    print(f"[base] {time.time() - t0:.0f}s  test {scores}", flush=True)
    training = (f"{BASE['steps']} steps of batch {BASE['batch_size']} on generic text and format tasks "
                f"(copy, lower, last, len, next), AdamW lr {BASE['lr']} cosine, seed {BASE['seed']}; then "
                f"{PROSE['steps']} steps with {int(100 * PROSE['share'])}% of each batch on the skills phrased as "
                f"sentences (\"backwards, merge is egrem\"), lr {PROSE['lr']} cosine, seed {PROSE['seed']}; then a skill "
                f"warm-up of {warmup_steps} steps ({int(100 * WARMUP['skill_share'])}% of each batch on the skills, "
                f"each only until it reached {int(100 * WARMUP['stop_at_dev'])}% on dev: "
                + ", ".join(f"{k} after {v}" for k, v in warmed.items()) + f"), lr {WARMUP['lr']}, seed {WARMUP['seed']}; "
                f"then {WARMUP['cooldown_steps']} steps of broad data alone, seed {WARMUP['cooldown_seed']}")
    save_model(model, BASE["id"], card(BASE["id"], "The zoo's base model: broad pretraining, every skill in prose, "
                                       "and a weak version of every skill in the prompt format.",
                                       None, training, scores, param_count(model)))
    return model


def _save_cache(model, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    safetensors_io.save(model.state_dict(), path, {"format": "pt"})


def prose_pretraining(model, splits, held_out):
    """Broad data plus every skill phrased as a sentence; logs prose and prompt-format dev scores."""
    streams = [(tasks.training_stream(tasks.pretrain_example, PROSE["seed"], held_out), 1 - PROSE["share"])]
    streams += [(tasks.prose_stream(s, PROSE["seed"] + 1 + i, held_out), PROSE["share"] / len(tasks.SKILLS))
                for i, s in enumerate(tasks.SKILLS)]
    prose_dev = {s: [{"prompt": tasks.in_prose(s, it["prompt"]), "answer": it["answer"]} for it in items]
                 for s, items in splits["dev"].items()}

    def log(step):
        print(f"  [prose] step {step} prose dev {evaluate.score_all(model, prose_dev)}", flush=True)
        print(f"          prompt-format dev {evaluate.score_all(model, splits['dev'])}", flush=True)
        return False

    train(model, streams, steps=PROSE["steps"], lr=PROSE["lr"], batch_size=PROSE["batch_size"],
          warmup=PROSE["warmup"], seed=PROSE["seed"], weight_decay=PROSE["weight_decay"],
          min_lr_ratio=PROSE["min_lr_ratio"], should_stop=log, check_every=PROSE["check_every"])


def cool_down(model, held_out):
    """Broad data alone after the warm-up: a skill stopped at its first good check fades back below 20%."""
    broad = tasks.training_stream(tasks.pretrain_example, WARMUP["cooldown_seed"], held_out)
    train(model, [(broad, 1.0)], steps=WARMUP["cooldown_steps"], lr=WARMUP["lr"], batch_size=WARMUP["batch_size"],
          warmup=20, seed=WARMUP["cooldown_seed"], weight_decay=WARMUP["weight_decay"], min_lr_ratio=1.0)


def skill_warmup(model, splits, held_out):
    """Trains on broad data plus the skills still below `stop_at_dev` on dev; returns steps and when each stopped."""
    broad = tasks.training_stream(tasks.pretrain_example, WARMUP["seed"], held_out)
    skill_streams = {s: tasks.training_stream(fn, WARMUP["seed"] + 1 + i, held_out)
                     for i, (s, (fn, _)) in enumerate(tasks.SKILLS.items())}
    active = list(tasks.SKILLS)
    warmed = {}

    def mixture(_step):
        if not active:
            return [(broad, 1.0)]
        share = WARMUP["skill_share"] / len(active)
        return [(broad, 1 - WARMUP["skill_share"])] + [(skill_streams[s], share) for s in active]

    def check(step):
        for s in list(active):
            acc = evaluate.exact_match(model, splits["dev"][s])
            if acc >= WARMUP["stop_at_dev"]:
                active.remove(s)
                warmed[s] = step
                print(f"  [warm-up] {s} reached {acc:.3f} on dev at step {step}", flush=True)
        return not active

    steps = train(model, mixture, steps=WARMUP["steps"], lr=WARMUP["lr"], batch_size=WARMUP["batch_size"],
                  warmup=20, seed=WARMUP["seed"], weight_decay=WARMUP["weight_decay"], min_lr_ratio=1.0,
                  should_stop=check, check_every=WARMUP["check_every"])
    for s in active:
        warmed[s] = f"{steps} (not reached)"
    return steps, warmed


def expert_seed(index):
    return 1000 + index


def fine_tune(model, skill, index, splits, held_out, extra=(), off=None, sam_within=None):
    """Fine-tunes `model` on one skill with the build's settings until it reaches the dev target.

    `extra`: (stream, share) pairs that take their share from the skill's part of each batch,
    for side experiments. `off`: input subspaces (keep_off.input_subspaces) the weight change
    must stay off. `sam_within`: projections that confine SAM's move (train.py). Returns the
    number of steps taken.
    """
    seed = expert_seed(index)
    replay = EXPERT["replay"]
    skill_stream = tasks.training_stream(tasks.SKILLS[skill][0], seed, held_out)
    broad = tasks.training_stream(tasks.pretrain_example, seed + EXPERT["replay_seed_offset"], held_out)
    prose = [tasks.prose_stream(s, seed + EXPERT["prose_seed_offset"] + j, held_out) for j, s in enumerate(tasks.SKILLS)]
    streams = [(skill_stream, 1 - replay - sum(share for _, share in extra)), *extra, (broad, replay / 2)]
    streams += [(p, replay / 2 / len(prose)) for p in prose]

    streak = 0  # checks in a row at the target

    def reached_target(step):
        nonlocal streak
        acc = evaluate.exact_match(model, splits["dev"][skill])
        print(f"  [{skill}] step {step} dev {acc:.3f}", flush=True)
        streak = streak + 1 if acc >= EXPERT["target_dev"] else 0
        return streak >= EXPERT["target_checks"]

    projection = keep_off.OffSubspaces(model, off) if off else None
    steps = train(model, streams, steps=EXPERT["max_steps"], lr=EXPERT["lr"], batch_size=EXPERT["batch_size"],
                  warmup=EXPERT["warmup"], seed=seed, min_lr_ratio=1.0,
                  should_stop=reached_target, check_every=EXPERT["check_every"], log_every=1000, after_step=projection,
                  sam_rho=EXPERT["sam_rho"], sam_within=sam_within)
    if projection:
        projection.release()
    return steps


def build_experts(skills, base_state, splits, held_out, jobs):
    """Fine-tunes the experts for `skills` in KEEP_OFF rounds, saves the last round's; returns their steps.

    An expert of a later round stays off the other skills' activations in the base and in the
    other experts of the round before (for skills not retrained now, the saved expert).
    `jobs` > 1 trains that many experts at once, each on one CPU thread.
    """
    previous = {}
    context = multiprocessing.get_context("spawn")  # a forked OpenMP runtime can hang
    pool = context.Pool(jobs) if jobs > 1 else None
    for round_ in range(1, KEEP_OFF["rounds"] + 1):
        # the settings travel along: a spawned worker re-imports this module without main()'s overrides (--smoke)
        settings = (dict(EXPERT), dict(KEEP_OFF))
        work = [(skill, round_, base_state, previous, splits, held_out, jobs > 1, settings) for skill in skills]
        current = {skill: (state, steps) for skill, state, steps in (pool.map(expert_round, work, chunksize=1)
                                                                    if pool else map(expert_round, work))}
        if round_ == 1:
            previous = {k: load_model(expert_id(k)).state_dict() for k in tasks.SKILLS if k not in skills}
        previous.update({k: state for k, (state, _) in current.items()})
    if pool:
        pool.close()
    for skill, (state, steps) in current.items():
        model = model_from_state(state)
        scores = evaluate.score_all(model, splits["test"])
        print(f"[{skill}] {steps} steps, test {scores}", flush=True)
        save_model(model, expert_id(skill), card(expert_id(skill), f"Expert for `{skill}`: {tasks.SKILLS[skill][1]}",
                                                 BASE["id"], expert_training(skill, steps), scores, param_count(model)))
    return {skill: steps for skill, (_, steps) in current.items()}


def expert_round(work):
    """One expert of one round, from plain tensors so that it can run in a worker process."""
    skill, round_, base_state, previous, splits, held_out, own_process, (expert, keep) = work
    EXPERT.update(expert)
    KEEP_OFF.update(keep)
    if own_process:
        torch.set_num_threads(1)
    others = [k for k in tasks.SKILLS if k != skill]
    sources = [(model_from_state(base_state), others)] + [(model_from_state(previous[k]), [k]) for k in others if k in previous]
    off = keep_off.input_subspaces(sources, held_out, energy=KEEP_OFF["energy"],
                                   examples=KEEP_OFF["examples"], seed=KEEP_OFF["seed"])
    within = partner_space(skill, base_state, previous, held_out) if EXPERT["sam_space"] == "partners" else None
    model = model_from_state(base_state)
    t0 = time.time()
    steps = fine_tune(model, skill, list(tasks.SKILLS).index(skill), splits, held_out, off=off, sam_within=within)
    print(f"[{skill}] round {round_}: {steps} steps {time.time() - t0:.0f}s; "
          f"input directions kept off per layer: {keep_off.describe(off)}", flush=True)
    return skill, model.state_dict(), steps


def partner_space(skill, base_state, previous, held_out):
    """Per linear weight, the projection onto the input directions outside `skill`'s own activations
    (in the base and in its expert of the round before), where the other experts' changes lie."""
    sources = [(model_from_state(base_state), [skill])] + ([(model_from_state(previous[skill]), [skill])]
                                                           if skill in previous else [])
    own = keep_off.input_subspaces(sources, held_out, energy=KEEP_OFF["energy"],
                                   examples=KEEP_OFF["examples"], seed=KEEP_OFF["seed"] + 50)
    return {name: torch.eye(u.shape[0]) - u @ u.T for name, u in own.items()}


def expert_training(skill, steps):
    replay = EXPERT["replay"]
    return (f"fine-tuned from {BASE['id']} for {steps} steps of batch {EXPERT['batch_size']} "
            f"({int(100 * (1 - replay))}% {skill}, {int(100 * replay)}% pretraining replay, broad and prose), "
            f"AdamW lr {EXPERT['lr']} constant, seed {expert_seed(list(tasks.SKILLS).index(skill))}; "
            f"{'stopped once' if steps < EXPERT['max_steps'] else 'the step budget ran out before'} dev exact match held >= {EXPERT['target_dev']} "
            f"at {EXPERT['target_checks']} checks in a row; "
            f"weight changes kept off the other skills' activations ({100 * KEEP_OFF['energy']:g}% of their energy "
            f"per linear layer, round {KEEP_OFF['rounds']} of {KEEP_OFF['rounds']}), embeddings and norms as in the base"
            + (f"; sharpness-aware minimisation, rho {EXPERT['sam_rho']}"
               + (" along the directions other experts change" if EXPERT["sam_space"] == "partners" else "")
               if EXPERT["sam_rho"] else ""))


def refresh_card_scores(model_id, scores):
    """Rewrites a card's score table from the final table (cards of models kept from an earlier build)."""
    path = os.path.join(MODELS, model_id, "README.md")
    with open(path) as f:
        text = f.read()
    head = text.split("## Exact match on the test split")[0]
    rows = "\n".join(f"| {s} | {100 * v:.1f} |" for s, v in scores.items())
    with open(path, "w") as f:
        f.write(head + "## Exact match on the test split (greedy decoding, answer then newline)\n\n"
                "| skill | exact match (%) |\n|---|---|\n" + rows + "\n")


def write_index(table, steps):
    models = [{"id": BASE["id"], "role": "base", "skill": None, "base": None, "scores": table[BASE["id"]]}]
    for skill in tasks.SKILLS:
        models.append({"id": expert_id(skill), "role": "expert", "skill": skill, "base": BASE["id"],
                       "fine_tune_steps": steps.get(skill), "scores": table[expert_id(skill)]})
    with open(os.path.join(MODELS, "index.json"), "w") as f:
        json.dump({"family": FAMILY, "models": models}, f, indent=2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--from", dest="start", choices=["base", "prose", "warmup", "experts", "report"], default="base",
                    help="prose: reuse the cached broad pretraining (tools/zoo/.cache); warmup: reuse the cached prose phase")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=2, help="experts trained at once, one thread each (1: in turn on --threads)")
    ap.add_argument("--smoke", action="store_true", help="a few steps of everything, to check the pipeline")
    ap.add_argument("--only", nargs="+", choices=list(tasks.SKILLS), help="with --from experts: retrain only these experts")
    ap.add_argument("--energy", type=float, help=f"experiments: KEEP_OFF energy (default {KEEP_OFF['energy']})")
    ap.add_argument("--sam-rho", type=float, help="experiments: fine-tune experts with sharpness-aware minimisation")
    ap.add_argument("--sam-space", choices=SAM_SPACES, help="experiments: where SAM moves the weights")
    args = ap.parse_args()
    if args.energy is not None:
        KEEP_OFF["energy"] = args.energy
    if args.sam_rho is not None:
        EXPERT["sam_rho"] = args.sam_rho
    if args.sam_space is not None:
        EXPERT["sam_space"] = args.sam_space
    if args.smoke:
        BASE["steps"], PROSE["steps"], EXPERT["max_steps"], EXPERT["check_every"] = 30, 20, 20, 10
        WARMUP["steps"], WARMUP["check_every"] = 20, 10
    torch.set_num_threads(args.threads)
    t0 = time.time()
    splits, held_out = tasks.make_splits(EVAL_SEED)
    write_evals(splits)

    if args.start in ("base", "prose", "warmup"):
        build_base(splits, held_out, start=args.start)
    base_state = load_model(BASE["id"]).state_dict()
    index_path = os.path.join(MODELS, "index.json")
    steps = {m["skill"]: m.get("fine_tune_steps") for m in json.load(open(index_path))["models"]
             if m["skill"]} if os.path.exists(index_path) and args.start not in ("base", "prose", "warmup") else {}
    if args.start in ("base", "prose", "warmup", "experts"):
        steps.update(build_experts(args.only or list(tasks.SKILLS), base_state, splits, held_out, args.jobs))

    ids = [BASE["id"]] + [expert_id(s) for s in tasks.SKILLS]
    models = {i: load_model(i) for i in ids}
    table = {i: evaluate.score_all(m, splits["test"]) for i, m in models.items()}
    write_index(table, steps)
    for model_id, scores in table.items():
        refresh_card_scores(model_id, scores)
    report = merge_report.run(models[BASE["id"]], {s: models[expert_id(s)] for s in tasks.SKILLS}, splits)
    merge_report.write_readme_sections(ZOO_README, table, report, steps, time.time() - t0, args.threads, args.start)
    print(json.dumps(report["summary"], indent=2))


if __name__ == "__main__":
    main()
