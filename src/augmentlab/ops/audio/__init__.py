"""Audio ops: batched waveform ops on (B, C, T) float clips in [-1, 1], and SpecAugment's
ops on the log-mel features a model computes from them (``stage = "features"``)."""
