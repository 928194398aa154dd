"""Quality of synthetic data, measured without downloaded weights."""
