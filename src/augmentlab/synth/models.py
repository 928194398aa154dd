"""The generators by name: of images, and of table rows."""

from augmentlab.synth.cgan import CGAN
from augmentlab.synth.copula import GaussianCopula
from augmentlab.synth.cvae import CVAE
from augmentlab.synth.ddpm import DDPM
from augmentlab.synth.tvae import TVAE

MODELS = {cls.name: cls for cls in (CVAE, CGAN, DDPM)}
TABLE_MODELS = {cls.name: cls for cls in (GaussianCopula, TVAE)}
