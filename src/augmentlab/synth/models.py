"""The generators by name."""

from augmentlab.synth.cgan import CGAN
from augmentlab.synth.cvae import CVAE

MODELS = {cls.name: cls for cls in (CVAE, CGAN)}
