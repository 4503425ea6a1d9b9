"""Training loop, losses, checkpoints."""
