"""Models: the soft-attention block, backbones, heads, and the checkpoint zoo."""
