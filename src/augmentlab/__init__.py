"""augmentlab: batched, seedable, replayable data augmentation, measured rather than guessed."""

__version__ = "0.1.0"

from augmentlab.errors import AugmentlabError

__all__ = ["AugmentlabError", "__version__"]
