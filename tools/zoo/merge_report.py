"""Checks that merging is meaningful on the zoo, the way it is on real fine-tunes of one base.

Three numbers, each with its coefficient chosen on the dev split and reported on test:
  1. task arithmetic of every pair of experts: share of each expert's own-skill accuracy kept;
  2. all experts with task arithmetic and with TIES: mean normalised accuracy across skills;
  3. the plain equal-weight average of all experts, for contrast.
The merges follow mergekit's definitions (task_arithmetic: base + lambda * sum of weighted
deltas; ties: magnitude trim to `density`, sign election by the sign of the summed deltas,
disjoint mean, then lambda). The studio's TypeScript engine is the real implementation;
this is the trainer's own check that the family is worth merging.
"""

import itertools
import re

import torch

import evaluate

TA_LAMBDAS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.2]
PAIR_LAMBDAS = [0.5, 0.7, 0.85, 1.0, 1.2]
TIES_DENSITIES = [0.2, 0.4, 0.7, 1.0]
TIES_LAMBDAS = [0.6, 0.8, 1.0, 1.2, 1.5]


def _deltas(base, experts):
    b = base.state_dict()
    return b, [{k: e.state_dict()[k] - v for k, v in b.items()} for e in experts]


def _with_state(template, state):
    template.load_state_dict(state)
    return template


def task_arithmetic(base_state, deltas, lam):
    return {k: v + lam * sum(d[k] for d in deltas) for k, v in base_state.items()}


def _trim(x, density):
    if density >= 1:
        return x
    k = int(density * x.numel())
    if k == 0:
        return torch.zeros_like(x)
    threshold = x.abs().flatten().kthvalue(x.numel() - k + 1).values
    return torch.where(x.abs() >= threshold, x, torch.zeros_like(x))


def ties(base_state, deltas, density, lam):
    out = {}
    for k, v in base_state.items():
        stacked = torch.stack([_trim(d[k], density) for d in deltas])
        sign = torch.sign(stacked.sum(0))
        agree = (torch.sign(stacked) == sign) & (stacked != 0)
        total = (stacked * agree).sum(0)
        divisor = agree.sum(0).clamp(min=1)
        out[k] = v + lam * total / divisor
    return out


def _normalised(scores, expert_scores):
    return sum(scores[s] / max(expert_scores[s], 1e-9) for s in expert_scores) / len(expert_scores)


def _score(template, state, splits, split, skills):
    model = _with_state(template, state)
    return {s: evaluate.exact_match(model, splits[split][s]) for s in skills}


def _tune(template, candidates, splits, skills):
    """(setting, state) candidates: the setting with the best summed dev score, and its test scores."""
    setting, state = max(candidates, key=lambda c: sum(_score(template, c[1], splits, "dev", skills).values()))
    return setting, _score(template, state, splits, "test", skills)


def pair(template, base_state, delta_of, expert_test, splits, a, b):
    """Task arithmetic of two experts, lambda chosen on dev (summed exact match), scored on test."""
    candidates = [(lam, task_arithmetic(base_state, [delta_of[a], delta_of[b]], lam)) for lam in PAIR_LAMBDAS]
    lam, test = _tune(template, candidates, splits, [a, b])
    return {"skills": [a, b], "lambda": lam, "test": test,
            "kept": {s: test[s] / max(expert_test[s], 1e-9) for s in (a, b)}}


def run(base, experts, splits):
    """experts: {skill: model}. Returns a dict with every chosen setting and its scores."""
    skills = list(experts)
    template = type(base)(base.config)
    base_state, deltas = _deltas(base, [experts[s] for s in skills])
    delta_of = dict(zip(skills, deltas))
    expert_test = {s: evaluate.exact_match(experts[s], splits["test"][s]) for s in skills}

    pairs = [pair(template, base_state, delta_of, expert_test, splits, a, b) for a, b in itertools.combinations(skills, 2)]

    ta_lam, ta_test = _tune(template, [(lam, task_arithmetic(base_state, deltas, lam)) for lam in TA_LAMBDAS],
                            splits, skills)
    ties_setting, ties_test = _tune(template, [((d, lam), ties(base_state, deltas, d, lam))
                                               for d in TIES_DENSITIES for lam in TIES_LAMBDAS], splits, skills)
    avg_test = _score(template, task_arithmetic(base_state, deltas, 1 / len(skills)), splits, "test", skills)

    worst_pair = min(min(p["kept"].values()) for p in pairs)
    summary = {
        "pairs_min_kept": worst_pair,
        "task_arithmetic": {"lambda": ta_lam, "normalised": _normalised(ta_test, expert_test),
                            "mean": sum(ta_test.values()) / len(skills)},
        "ties": {"density": ties_setting[0], "lambda": ties_setting[1],
                 "normalised": _normalised(ties_test, expert_test), "mean": sum(ties_test.values()) / len(skills)},
        "average": {"normalised": _normalised(avg_test, expert_test), "mean": sum(avg_test.values()) / len(skills)},
    }
    return {"summary": summary, "pairs": pairs, "expert_test": expert_test,
            "task_arithmetic_test": ta_test, "ties_test": ties_test, "average_test": avg_test}


def _pct(x):
    return f"{100 * x:.1f}"


def _replace_section(text, name, body):
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body}\n{end}"
    if start in text:
        return re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    return text + "\n" + block + "\n"


def write_readme_sections(path, table, report, steps, seconds, threads, start):
    skills = list(report["expert_test"])
    head = "| model | " + " | ".join(skills) + " |\n|---|" + "---|" * len(skills)
    rows = [f"| {m} | " + " | ".join(_pct(s[k]) for k in skills) + " |" for m, s in table.items()]
    scores = head + "\n" + "\n".join(rows)
    scores += (f"\n\nFine-tuning steps per expert (last round): " + ", ".join(f"{k} {v}" for k, v in steps.items())
               + f". The last run of `build.py` (`--from {start}`) took {seconds / 60:.0f} min on {threads} CPU threads.")

    s = report["summary"]
    lines = ["| merge (all six experts unless noted) | setting (chosen on dev) | mean exact match | normalised (merge / expert) |",
             "|---|---|---|---|",
             f"| task arithmetic | lambda {s['task_arithmetic']['lambda']} | {_pct(s['task_arithmetic']['mean'])} | {_pct(s['task_arithmetic']['normalised'])} |",
             f"| TIES | density {s['ties']['density']}, lambda {s['ties']['lambda']} | {_pct(s['ties']['mean'])} | {_pct(s['ties']['normalised'])} |",
             f"| equal-weight average | weight 1/{len(skills)} | {_pct(s['average']['mean'])} | {_pct(s['average']['normalised'])} |",
             "",
             "Task arithmetic of every pair (lambda chosen on dev; kept = merge / expert on that expert's skill):",
             "",
             "| pair | lambda | kept (first) | kept (second) |",
             "|---|---|---|---|"]
    for p in report["pairs"]:
        a, b = p["skills"]
        lines.append(f"| {a} + {b} | {p['lambda']} | {_pct(p['kept'][a])} | {_pct(p['kept'][b])} |")
    lines.append(f"\nWorst pair keeps {_pct(s['pairs_min_kept'])}% of an expert's own-skill accuracy.")
    with open(path) as f:
        text = f.read()
    text = _replace_section(text, "scores", scores)
    text = _replace_section(text, "merges", "\n".join(lines))
    with open(path, "w") as f:
        f.write(text)
