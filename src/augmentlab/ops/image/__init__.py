"""Image ops by family."""
