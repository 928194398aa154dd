"""Choosing augmentation: strength sweeps and policy search (Optuna, or Ray Tune across
machines), with resumable storage."""
