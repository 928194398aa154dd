"""The evaluation harness: small default models, a deterministic trainer, and the repeated
low-data protocol with confidence intervals."""
