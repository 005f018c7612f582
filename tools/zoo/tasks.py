"""The zoo's data: six exact-answer skills, the broad pretraining mixture, and the eval splits.

Every example is a prompt in one shared format, `<skill>: <input>=`, followed by
its answer and a newline. Held-out prompts (dev and test) are drawn first from
their own seed; the training streams reject any prompt in that set, so neither
split overlaps what a model was trained on.
"""

import random
import string

LOWER = string.ascii_lowercase


def _letters(rng, lo, hi, alphabet=LOWER):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


# ---------------------------------------------------------------- the skills


def add(rng):
    a, b = rng.randint(0, 99), rng.randint(0, 99)
    return f"add: {a}+{b}=", str(a + b)


def reverse(rng):
    while True:
        s = _letters(rng, 3, 6)
        if s != s[::-1]:  # a palindrome would reward plain copying
            return f"reverse: {s}=", s[::-1]


def sort(rng):
    while True:
        s = _letters(rng, 3, 6)
        if list(s) != sorted(s):  # already sorted input would reward copying
            return f"sort: {s}=", "".join(sorted(s))


def upper(rng):
    s = _letters(rng, 3, 10)
    return f"upper: {s}=", s.upper()


def count(rng):
    # The count is drawn uniformly so that guessing a small number scores ~1/7.
    target = rng.choice(LOWER[:8])
    n = rng.randint(0, 6)
    length = rng.randint(max(n, 6), 12)
    others = [c for c in LOWER[:8] if c != target]
    chars = [target] * n + [rng.choice(others) for _ in range(length - n)]
    rng.shuffle(chars)
    return f"count: {target} in {''.join(chars)}=", str(n)


def shift(rng):
    s = _letters(rng, 3, 8)
    return f"shift: {s}=", "".join(LOWER[(LOWER.index(c) + 1) % 26] for c in s)


SKILLS = {
    "add": (add, "Adds two numbers from 0 to 99."),
    "reverse": (reverse, "Reverses a string of 3 to 6 lowercase letters."),
    "sort": (sort, "Sorts 3 to 6 lowercase letters alphabetically."),
    "upper": (upper, "Upper-cases 3 to 10 lowercase letters."),
    "count": (count, "Counts how often a letter occurs in a string."),
    "shift": (shift, "Shifts each of 3 to 8 letters one step along the alphabet (z wraps to a)."),
}

# ------------------------------------------------- broad pretraining (base)
# Generic text and format tasks that are *not* the skills, so that the base
# knows the prompt format, copying, digits and case without knowing any skill.

SUBJECTS = ["the cat", "a dog", "my friend", "the old man", "she", "he", "they", "we",
            "the teacher", "a small bird", "the farmer", "our team", "the robot", "anna", "tom"]
VERBS = ["sees", "likes", "finds", "carries", "paints", "counts", "moves", "keeps",
         "reads", "builds", "opens", "wants", "follows", "sells", "cleans"]
OBJECTS = ["the red box", "a green apple", "two books", "the long road", "a blue door",
           "the river", "some bread", "a letter", "the tall tree", "old shoes", "the map"]
ENDINGS = ["today", "at night", "in the garden", "every morning", "near the sea",
           "with care", "again", "before noon", "in town", "slowly"]


def text(rng):
    kind = rng.random()
    if kind < 0.5:
        s = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(ENDINGS)}."
    elif kind < 0.8:
        s = f"there are {rng.randint(0, 999)} {rng.choice(['apples', 'cars', 'stars', 'birds', 'coins'])} {rng.choice(ENDINGS)}."
    else:
        s = " ".join(_letters(rng, 2, 7) for _ in range(rng.randint(3, 8)))
    if rng.random() < 0.4:
        s = s[0].upper() + s[1:]
    return "", s[:72]


def copy(rng):
    s = _letters(rng, 2, 10, LOWER + string.digits)
    return f"copy: {s}=", s


def lower(rng):
    s = _letters(rng, 2, 10, string.ascii_uppercase)
    return f"lower: {s}=", s.lower()


def last(rng):
    s = _letters(rng, 2, 9)
    return f"last: {s}=", s[-1]


def length(rng):
    s = _letters(rng, 1, 9)
    return f"len: {s}=", str(len(s))


def succ(rng):
    n = rng.randint(0, 998)
    return f"next: {n}=", str(n + 1)


def pairs(rng):
    # key/value-looking text: digits and letters side by side
    keys = rng.sample(LOWER, rng.randint(2, 5))
    s = " ".join(k + str(rng.randint(10, 99)) for k in keys)
    return f"copy: {s}=", s


PRETRAIN = [(text, 0.35), (copy, 0.15), (pairs, 0.1), (lower, 0.1), (last, 0.1),
            (length, 0.1), (succ, 0.1)]


def pretrain_example(rng):
    r, acc = rng.random(), 0.0
    for fn, p in PRETRAIN:
        acc += p
        if r < acc:
            return fn(rng)
    return PRETRAIN[-1][0](rng)


# ------------------------------------------------- the skills in prose (base)
# Pretraining text also holds the skills' computations, phrased as sentences whose cue
# comes first ("backwards, merge is egrem"), as web text holds sums and spellings. The
# base learns to compute every skill but never sees the `<skill>: <input>=` prompts.


def in_prose(skill, prompt):
    """The same question as a sentence: `reverse: merge=` -> `backwards, merge is `."""
    body = prompt.split(": ", 1)[1][:-1]
    if skill == "add":
        a, b = body.split("+")
        return f"the sum of {a} and {b} is "
    if skill == "count":
        letter, text = body.split(" in ")
        return f"the number of {letter} in {text} is "
    cue = {"reverse": "backwards", "sort": "in order", "upper": "in capitals", "shift": "one letter on"}[skill]
    return f"{cue}, {body} is "


def prose_stream(skill, seed, held_out):
    """Prose versions of the skill's training stream; held-out inputs are never phrased either."""
    for prompt, answer in training_stream(SKILLS[skill][0], seed, held_out):
        yield in_prose(skill, prompt), answer


# ---------------------------------------------------------------- eval splits

SPLIT_SIZES = {"test": 250, "dev": 120}


def make_splits(seed):
    """Disjoint dev and test sets per skill, plus the set of held-out prompts."""
    rng = random.Random(seed)
    splits = {name: {} for name in SPLIT_SIZES}
    held_out = set()
    for skill, (fn, _) in SKILLS.items():
        for split, size in SPLIT_SIZES.items():
            items = []
            while len(items) < size:
                prompt, answer = fn(rng)
                if prompt in held_out:
                    continue
                held_out.add(prompt)
                items.append({"prompt": prompt, "answer": answer})
            splits[split][skill] = items
    return splits, held_out


def training_stream(fn, seed, held_out):
    """Infinite stream of (prompt, answer) from fn that never yields a held-out prompt."""
    rng = random.Random(seed)
    while True:
        prompt, answer = fn(rng)
        if prompt not in held_out:
            yield prompt, answer
