"""Choosing augmentation: strength sweeps (and, later, policy search)."""
