"""Character-level tokenizer, saved in the Hugging Face `tokenizer.json` format.

Three special tokens, then every printable ASCII character and the newline.
The model is a BPE with no merges (so every character is one token), the
decoder fuses tokens without separators, and a template post-processor puts
`<s>` in front of every sequence, as Llama tokenizers do.
"""

import json
import string

SPECIALS = ["<unk>", "<s>", "</s>"]
CHARS = ["\n"] + [chr(c) for c in range(32, 127)]
VOCAB = SPECIALS + CHARS
STOI = {s: i for i, s in enumerate(VOCAB)}
PAD_ID, BOS_ID, EOS_ID = 0, 1, 2
NEWLINE_ID = STOI["\n"]
assert set(string.printable) - set("\t\r\x0b\x0c") <= set(VOCAB)


def encode(text, bos=True):
    ids = [STOI[c] for c in text]
    return [BOS_ID] + ids if bos else ids


def decode(ids):
    return "".join(VOCAB[i] for i in ids if i >= len(SPECIALS))


def tokenizer_json():
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, t in enumerate(SPECIALS)]
    bos = {"SpecialToken": {"id": "<s>", "type_id": 0}}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": None,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [bos, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [bos, {"Sequence": {"id": "A", "type_id": 0}}, bos,
                     {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [BOS_ID], "tokens": ["<s>"]}},
        },
        "decoder": {"type": "Fuse"},
        "model": {
            "type": "BPE", "dropout": None, "unk_token": "<unk>",
            "continuing_subword_prefix": None, "end_of_word_suffix": None,
            "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
            "vocab": STOI, "merges": [],
        },
    }


def tokenizer_config_json():
    return {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<unk>",
            "add_bos_token": True, "add_eos_token": False, "model_max_length": 128,
            "clean_up_tokenization_spaces": False, "tokenizer_class": "PreTrainedTokenizerFast"}


def save(folder):
    with open(f"{folder}/tokenizer.json", "w") as f:
        json.dump(tokenizer_json(), f, ensure_ascii=False, indent=1)
    with open(f"{folder}/tokenizer_config.json", "w") as f:
        json.dump(tokenizer_config_json(), f, indent=1)
