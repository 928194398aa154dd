"""Software prefetch for numba kernels, which numba does not expose: ``llvm.prefetch``, a
hint the CPU may ignore (a no-op on targets without one), never a fault.

A kernel that works through a batch image by image can ask for the next image while it
computes on this one, so the next image's first pass does not wait on DRAM: the warp
kernel, a share per output row, 4-5 us of 170 an image at 224x224 RGB (one thread, a
batch of 64 read out of cache, as the bench reads it).
"""

from __future__ import annotations

import numba
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

LINE = 64  # bytes per cache line on the CPUs this runs on (x86-64, Apple and Graviton ARM)


@intrinsic
def _prefetch(typingctx, array, at):
    """Ask for the cache line holding ``array[at]`` (a contiguous 1-D array), to read."""
    if not (isinstance(array, types.Array) and array.ndim == 1 and array.layout == "C" and isinstance(at, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        offset = context.cast(builder, args[1], signature.args[1], types.int64)
        byte_ptr = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        hint = builder.module.declare_intrinsic("llvm.prefetch.p0", fnty=ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32]))
        # read (0), keep in every cache level (3), data cache (1)
        builder.call(hint, [builder.bitcast(builder.gep(data, [offset]), byte_ptr), ir.Constant(i32, 0), ir.Constant(i32, 3),
                            ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(array, at), codegen


@numba.njit(inline="always")
def prefetch_span(flat, start, stop):
    """Ask for the lines of ``flat[start:stop]`` (clipped to the array)."""
    stop = min(stop, flat.size)
    for i in range(max(start, 0), stop, LINE):
        _prefetch(flat, i)
