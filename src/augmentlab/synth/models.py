"""The generators by name."""

from augmentlab.synth.cgan import CGAN
from augmentlab.synth.cvae import CVAE
from augmentlab.synth.ddpm import DDPM

MODELS = {cls.name: cls for cls in (CVAE, CGAN, DDPM)}
