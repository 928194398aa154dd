"""The evaluation harness: small default models, a deterministic trainer, adaptive
strength, and the repeated low-data protocol with confidence intervals."""
