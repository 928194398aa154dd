"""Series ops: batched transforms of (N, C, T) float series, each padded with NaN after its
own length. Every op reads the lengths from the padding, works on each series within its
length, and leaves the padding as it was."""
