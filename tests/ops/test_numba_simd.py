"""The AVX-512 VBMI table lookup against the scalar kernel it stands in for, and which CPUs
get the vector kernels."""

import numpy as np
import pytest

from augmentlab.ops.kernels import lut as lut_module
from augmentlab.ops.kernels.numba_simd import VBMI, apply_lut_vbmi
from augmentlab.ops.kernels.numba_u8 import apply_lut

needs_vbmi = pytest.mark.skipif(not VBMI, reason="numba does not compile for AVX-512 VBMI here")


@needs_vbmi
@pytest.mark.parametrize("n", [1, 63, 64, 65, 1000, 224 * 224])
def test_every_level_through_every_table_matches_the_scalar_kernel(n):
    rng = np.random.default_rng(n)
    src = rng.integers(0, 256, (3, 2, n), dtype=np.uint8)
    src[0, 0, : min(n, 256)] = np.arange(min(n, 256))  # both halves of the table, and its edges
    lut = rng.integers(0, 256, (3, 2, 256), dtype=np.uint8)
    want = apply_lut(src, np.empty_like(src), lut)
    got = apply_lut_vbmi(src, np.zeros_like(src), lut)
    assert np.array_equal(got, want)


@needs_vbmi
def test_in_place_lookup_reads_each_block_before_writing_it():
    src = np.random.default_rng(0).integers(0, 256, (2, 3, 200), dtype=np.uint8)
    lut = np.ascontiguousarray(np.broadcast_to(np.arange(255, -1, -1, dtype=np.uint8), (2, 3, 256)))
    want = apply_lut(src, np.empty_like(src), lut)
    assert np.array_equal(apply_lut_vbmi(src, src, lut), want)


def test_the_lookup_kernel_is_the_vector_one_exactly_where_the_cpu_has_it():
    assert lut_module._apply_lut_cpu is (apply_lut_vbmi if VBMI else apply_lut)


@pytest.mark.parametrize(("name", "features", "expected"), [
    ("generic", None, False),  # a portable build: no AVX-512 at all
    ("znver3", "+avx2,+fma", False),
    ("znver4", "+avx512f,+avx512bw,+avx512vbmi,+avx2", True),
])
def test_a_cpu_numba_is_told_to_target_decides_it(monkeypatch, name, features, expected):
    from numba.core import config

    from augmentlab.ops.kernels import numba_simd

    monkeypatch.setattr(config, "CPU_NAME", name)
    monkeypatch.setattr(config, "CPU_FEATURES", features)
    assert numba_simd._compiles_for_vbmi() is expected
    assert numba_simd._compiles_for_avx512bw() is expected  # each of these names both or neither
    monkeypatch.setattr(config, "DISABLE_JIT", True)  # kernels as plain Python: no intrinsics
    assert numba_simd._compiles_for_vbmi() is False
    assert numba_simd._compiles_for_avx512bw() is False


def test_avx512bw_without_vbmi_gets_the_sums_but_not_the_lookup(monkeypatch):
    from numba.core import config

    from augmentlab.ops.kernels import numba_simd

    monkeypatch.setattr(config, "CPU_NAME", "skylake-avx512")
    monkeypatch.setattr(config, "CPU_FEATURES", "+avx512f,+avx512bw,+avx2")
    assert numba_simd._compiles_for_avx512bw() is True
    assert numba_simd._compiles_for_vbmi() is False
