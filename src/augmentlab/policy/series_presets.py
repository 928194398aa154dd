"""Series presets: RandAugment and TrivialAugment over the series ops.

Full strength follows the settings of Um et al. 2017 and Iwana & Uchida 2021 (jitter 0.03
of the spread, scaling and magnitude warping by about 0.2, window slicing 10 %, window
warping by 0.5-2x on a tenth of the series), written as each op's ``m`` through its
declared range. Permutation and rotation are left out: they break the order and sign that
define many classes (Iwana & Uchida found them to hurt most often).
"""

from __future__ import annotations

import math

from augmentlab.policy.presets import RandSet, register_rand_set

# op -> its m at RandAugment's full strength (m = 1 of the preset)
SERIES_FULL = {
    "identity": 0.0,
    "jitter": 0.3,  # 0.03 of each channel's standard deviation
    "scaling": math.log2(1.2) / 0.5,  # factors 1/1.2 to 1.2
    "magnitude_warp": 0.5,  # knots N(1, 0.2^2)
    "time_warp": 0.5,  # speed knots N(1, 0.2^2)
    "window_slice": 0.2,  # crop 10 %
    "window_warp": 1.0,  # a tenth of the series at 0.5x to 2x
    "drift": 0.5,  # up to a quarter of a standard deviation
    "time_mask": 0.33,  # up to a tenth of the steps
    "smooth": 0.33,  # Gaussian of up to one step
}


def series_m(name: str, fraction: float) -> float:
    return SERIES_FULL.get(name, 0.0) * fraction


register_rand_set("series", RandSet(tuple(SERIES_FULL), series_m, dict(SERIES_FULL)))
