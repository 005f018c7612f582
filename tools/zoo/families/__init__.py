"""Model families the zoo can train. A family is a module with `ARCHITECTURE`,
`default_config(vocab_size)` and `build(config)` returning an nn.Module whose
`forward(ids)` gives logits and whose state dict carries Hugging Face names."""

from . import llama

FAMILIES = {"llama": llama}
