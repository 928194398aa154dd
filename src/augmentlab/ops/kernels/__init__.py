"""Pure kernels: ``kernel(x, params) -> y``. No randomness, no I/O, inputs never modified.

Each kernel picks its implementation per device and size: numba/OpenCV on CPU (measured
faster there), torch primitives on CUDA, with the same semantics on both.
"""
