"""Kernels against independent oracles (PIL, OpenCV, numpy)."""

import cv2
import numpy as np
import pytest
import torch
from PIL import Image, ImageOps

from augmentlab.ops import create_op
from augmentlab.ops.image import matrices as mx
from augmentlab.ops.kernels.level_stats import NO_BOUNDS, NO_HIST, NO_SUMS, LevelStats
from augmentlab.ops.kernels.lut import apply_lut_u8, histogram_u8, range_sums_u8
from augmentlab.ops.kernels.numba_simd import MASKED_MOVES
from augmentlab.ops.kernels.warp import _per_image, remap, warp
from tests.conftest import images


def _apply(name, x, **params):
    op = create_op(name, p=1.0)
    full = {k: torch.as_tensor(v) for k, v in params.items()}
    full["apply"] = torch.ones(x.shape[0], dtype=torch.bool)
    return op.apply(x, full)


@pytest.mark.parametrize("size", [(32, 32), (24, 20), (9, 13)])
def test_integer_shift_fast_path_matches_numpy(size):
    x = images(8, 3, size)
    H, W = size
    g = torch.Generator().manual_seed(1)
    dx, dy = torch.randint(-5, 6, (8,), generator=g), torch.randint(-5, 6, (8,), generator=g)
    hflip = torch.rand(8, generator=g) < 0.5
    m = mx.translation(dx.double(), dy.double())
    m = torch.where(hflip.view(-1, 1, 1), mx.flip(8, H, W, True), mx.IDENTITY) @ m
    y = warp(x, m)
    for b in range(8):
        ref = np.zeros((3, H, W), np.uint8)
        src = x[b].numpy()
        for yy in range(H):
            for xx in range(W):
                sx, sy = xx - int(dx[b]), yy - int(dy[b])  # translate moves content by (dx, dy)
                if 0 <= sx < W and 0 <= sy < H:
                    ref[:, yy, xx] = src[:, sy, sx]
        if hflip[b]:
            ref = ref[:, :, ::-1]
        assert np.array_equal(y[b].numpy(), ref)


def test_vflip_matches_numpy():
    x = images(4, 3, (10, 16))
    assert torch.equal(_apply("vflip", x, flip=torch.ones(4, dtype=torch.bool)), x.flip(2))
    assert torch.equal(_apply("hflip", x, flip=torch.ones(4, dtype=torch.bool)), x.flip(3))


@pytest.mark.parametrize("spec", [("hflip", {}), ("vflip", {}), ("pad_crop", {"pad": 3}), ("pad_crop", {"m": 0.9})])
def test_a_lone_flip_or_shift_takes_the_copy_kernel_exactly(spec):
    """Alone (not fused), these ops copy through ``shift_flip`` on uint8: the same bytes as
    resampling through their matrix, for the samples they apply to and the rest."""
    name, kwargs = spec
    x = images(9, 3, (12, 17))
    op = create_op(name, p=0.5, **kwargs)
    params = op.sample(torch.Generator().manual_seed(3), 9, tuple(x.shape[1:]))
    assert 0 < int(params["apply"].sum()) < 9
    moved = {k: v for k, v in params.items() if k != "apply"}
    expected = torch.where(params["apply"].view(-1, 1, 1, 1), warp(x, op.matrix(moved, tuple(x.shape[1:]))), x)
    assert torch.equal(op.apply(x, params), expected)


def test_rotation_matches_opencv_rotation_matrix():
    x = images(2, 3, (32, 32))
    y = _apply("rotate", x, degrees=torch.tensor([30.0, -12.5], dtype=torch.float64))
    for b, deg in enumerate([30.0, -12.5]):
        img = x[b].permute(1, 2, 0).numpy()
        # OpenCV's positive angle is counter-clockwise in image coordinates (y down).
        M = cv2.getRotationMatrix2D((15.5, 15.5), -deg, 1.0)
        ref = cv2.warpAffine(img, M, (32, 32), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        assert np.abs(y[b].permute(1, 2, 0).numpy().astype(int) - ref.astype(int)).max() <= 1


def test_plane_and_interleaved_layouts_agree():
    x = images(3, 3, (70, 70))
    m = mx.about_centre(mx.rotation(torch.tensor([10.0, 20.0, -33.0], dtype=torch.float64)), 70, 70)
    a = warp(x, m, nearest=True)  # OpenCV's path (label maps)
    from augmentlab.ops.kernels import warp as w

    old = w.PLANE_PIXELS
    w.PLANE_PIXELS = 10**9
    try:
        b = warp(x, m, nearest=True)
    finally:
        w.PLANE_PIXELS = old
    assert torch.equal(a, b)


def test_torch_warp_agrees_with_opencv_path():
    x = images(3, 3, (28, 28))
    m = mx.about_centre(mx.rotation(torch.tensor([10.0, 45.0, -70.0], dtype=torch.float64)), 28, 28)
    a = warp(x, m).float()
    from augmentlab.ops.kernels.warp import _inverse, _warp_torch

    b = _warp_torch(x, torch.from_numpy(_inverse(m))).float()
    # interpolation tolerance: OpenCV uses 5-bit fixed-point weights for uint8
    assert (a - b).abs().mean() < 1.0 and (a - b).abs().max() <= 8


def test_remap_identity_is_exact():
    x = images(2, 3, (12, 17))
    ys, xs = torch.meshgrid(torch.arange(12.0), torch.arange(17.0), indexing="ij")
    coords = torch.stack([xs, ys], -1).expand(2, 12, 17, 2)
    assert torch.equal(remap(x, coords), x)


def test_lut_and_histogram_match_numpy():
    x = images(3, 2, (9, 11))
    h = histogram_u8(x)
    for b in range(3):
        for c in range(2):
            assert torch.equal(h[b, c], torch.bincount(x[b, c].flatten().long(), minlength=256).float())
    lut = torch.randint(0, 256, (3, 2, 256), dtype=torch.uint8)
    y = apply_lut_u8(x, lut)
    assert torch.equal(y[2, 1], lut[2, 1][x[2, 1].long()])


@pytest.mark.parametrize("name,pil", [("equalize", ImageOps.equalize), ("invert", ImageOps.invert), ("autocontrast", ImageOps.autocontrast)])
def test_point_ops_match_pil(name, pil):
    x = images(4, 3, (16, 16))
    x[0] = x[0] // 4 + 60  # a low-contrast image
    y = _apply(name, x)
    for b in range(4):
        ref = np.asarray(pil(Image.fromarray(x[b].permute(1, 2, 0).numpy())))
        assert np.abs(y[b].permute(1, 2, 0).numpy().astype(int) - ref.astype(int)).max() <= 1


def test_posterize_matches_pil():
    x = images(3, 3, (8, 8))
    y = _apply("posterize", x, bits=torch.tensor([1, 4, 8]))
    for b, bits in enumerate([1, 4, 8]):
        ref = np.asarray(ImageOps.posterize(Image.fromarray(x[b].permute(1, 2, 0).numpy()), bits))
        assert np.array_equal(y[b].permute(1, 2, 0).numpy(), ref)


def test_uint8_and_float_paths_agree_for_point_ops():
    x = images(4, 3, (12, 12))
    for name in ("brightness", "contrast", "gamma", "solarize", "saturation", "hue", "sharpness"):
        op = create_op(name, m=0.7)
        params = op.sample(torch.Generator().manual_seed(0), 4, (3, 12, 12))
        a = op.apply(x, params).float()
        b = op.apply(x.float() / 255, params) * 255
        assert (a - b).abs().max() <= 1.5, name


def test_per_image_helper_handles_many_channels():
    x = images(2, 6, (8, 8))
    out = _per_image(x, lambda i, s, d: np.copyto(d, s))
    assert torch.equal(out, x)


def test_gaussian_blur_preserves_mean_and_smooths():
    x = images(2, 1, (32, 32))
    y = _apply("gaussian_blur", x, sigma=torch.tensor([2.0, 0.0], dtype=torch.float64))
    assert abs(float(y[0].float().mean() - x[0].float().mean())) < 2
    assert float(y[0].float().std()) < 0.5 * float(x[0].float().std())
    assert torch.equal(y[1], x[1])


def _with_mask_table(x, out, ox, oy, hf, vf):
    """The whole-plane mask kernel, with a table that covers some of the shifts drawn
    below (the rest take the band kernel, image by image)."""
    from augmentlab.ops.kernels.numba_u8 import shift_flip_table, shift_masks

    reach = min(8, x.shape[-1])
    return shift_flip_table(x, out, ox, oy, hf, vf, shift_masks(*x.shape[-2:], reach), reach)


@pytest.mark.parametrize("path", ["masked", "rows", "table"])
# widths below, at and between the flip's 16- and 32-byte blocks
@pytest.mark.parametrize("W,H", [(8, 1), (32, 32), (12, 5), (7, 5), (64, 5), (40, 32), (15, 3), (16, 4), (17, 3), (28, 6),
                                 (31, 2), (33, 3), (63, 2), (224, 2)])
def test_shift_flip_kernel_paths_match_brute_force(path, W, H):
    from augmentlab.ops.kernels.numba_u8 import _shift_flip_rows, shift_flip

    kernel = {"masked": shift_flip, "rows": _shift_flip_rows, "table": _with_mask_table}[path]
    rng = np.random.default_rng(W * 100 + H)
    ox = rng.integers(-W - 3, W + 4, 16)  # includes shifts past the whole image
    oy = rng.integers(-H - 2, H + 3, 16)
    _check_shift_flip(kernel, rng, W, H, ox, oy)


def _check_shift_flip(kernel, rng, W, H, ox, oy):
    """``kernel(x, out, ox, oy, hflip, vflip)`` on 16 random images against a pixel-by-pixel
    reference, writing nothing outside ``out``."""
    x = rng.integers(0, 256, (16, 3, H, W), dtype=np.uint8)
    hf, vf = rng.random(16) < 0.5, rng.random(16) < 0.5
    guard = np.full((18, 3, H, W), 9, np.uint8)
    out = kernel(x, guard[1:17], ox, oy, hf, vf)
    assert (guard[0] == 9).all() and (guard[17] == 9).all(), "wrote outside the output"
    for b in range(16):
        ref = np.zeros((3, H, W), np.uint8)
        for yy in range(H):
            for xx in range(W):
                sy, sx = yy + oy[b], xx + ox[b]
                if 0 <= sy < H and 0 <= sx < W:
                    ref[:, yy, xx] = x[b, :, sy, sx]
        ref = ref[:, :, ::-1] if hf[b] else ref
        ref = ref[:, ::-1] if vf[b] else ref
        assert np.array_equal(out[b], ref)


@pytest.mark.skipif(not MASKED_MOVES, reason="numba does not compile the masked moves here")
# rows that pack 64-byte blocks: one row a block, several, part of one (W a multiple of 64)
@pytest.mark.parametrize("W,H", [(32, 32), (32, 2), (16, 4), (8, 8), (64, 5), (4, 16), (1, 64), (2, 96), (128, 3), (192, 2)])
@pytest.mark.parametrize("far", [False, True])
def test_the_bit_mask_kernel_matches_brute_force(W, H, far):
    """Shifts within the table's reach, in the first and last images too, whose shifted
    reads start before the batch or end past it; with ``far``, one shift past the reach
    sends the batch through the band kernel."""
    from augmentlab.ops.kernels.numba_shift_bits import row_reversal, shift_flip_bits, shift_mask_bits

    reach = min(4, W, H)
    bits, order = shift_mask_bits(H, W, reach), row_reversal(W)
    rng = np.random.default_rng(W * 100 + H)
    ox, oy = rng.integers(-reach, reach + 1, 16), rng.integers(-reach, reach + 1, 16)
    ox[0], oy[0], ox[15], oy[15] = -reach, -reach, reach, reach
    if far:
        ox[7] = reach + 1
    _check_shift_flip(lambda x, out, *a: shift_flip_bits(x, out, *a, bits, reach, order), rng, W, H, ox, oy)


def _moved(x, sx, tx, sy, ty):
    """Each image moved by ``x' = sx * x + tx`` (and in y), pixel by pixel: what leaves
    the image is dropped, what is uncovered is 0."""
    B, C, H, W = x.shape
    out = np.zeros_like(x)
    for b in range(B):
        for yy in range(H):
            for xx in range(W):
                u, v = sx[b] * xx + tx[b], sy[b] * yy + ty[b]
                if 0 <= u < W and 0 <= v < H:
                    out[b, :, v, u] = x[b, :, yy, xx]
    return out


@pytest.mark.parametrize("seed", range(4))
def test_a_chain_of_axis_maps_moves_each_pixel_once_by_the_composed_map(seed):
    """``shift_flip_chain_u8`` composes the ops' maps (one move, as the fused warp does:
    a pixel shifted out and back in by two ops stays) in one compiled call: flips in
    either axis, shifts, ops that skip some samples, scalar or per-sample maps mixed."""
    from augmentlab.ops.kernels.warp import shift_flip_chain_u8

    rng = np.random.default_rng(seed)
    B, H, W = 12, 7, 9
    x = rng.integers(1, 256, (B, 2, H, W), dtype=np.uint8)
    chain = []
    sx, tx, sy, ty = np.ones(B, int), np.zeros(B, int), np.ones(B, int), np.zeros(B, int)
    for _ in range(int(rng.integers(1, 5))):
        on = rng.random(B) < 0.7
        fx, fy = rng.random(B) < 0.5, rng.random(B) < 0.3
        # a flip's map brings the image back into view from the far edge (hflip's: W - 1)
        dx, dy = rng.integers(-3, 4, B) + (W - 1) * fx, rng.integers(-2, 3, B) + (H - 1) * fy
        given = (fx, dx, fy, dy) if rng.random() < 0.5 else (bool(fx[0]), int(dx[0]), bool(fy[0]), int(dy[0]))
        chain.append((on, given))
        fx, dx, fy, dy = (np.broadcast_to(v, (B,)) for v in given)
        kx, ky = np.where(fx, -1, 1), np.where(fy, -1, 1)  # then x'' = kx * x' + dx, where on
        sx, tx = np.where(on, kx * sx, sx), np.where(on, kx * tx + dx, tx)
        sy, ty = np.where(on, ky * sy, sy), np.where(on, ky * ty + dy, ty)
    out = shift_flip_chain_u8(torch.from_numpy(x), chain)
    assert np.array_equal(out.numpy(), _moved(x, sx, tx, sy, ty))


def test_the_copy_kernel_takes_one_mask_table_per_image_size_while_it_fits():
    """Shifts of up to 8 pixels where the table fits, less where it would not, and no
    table (the band kernel) below a reach of 4; bit masks where the CPU and the rows allow."""
    from augmentlab.ops.kernels.numba_shift_bits import shift_flip_bits
    from augmentlab.ops.kernels.numba_u8 import shift_flip_table
    from augmentlab.ops.kernels.warp import MASK_TABLE_BYTES, _copy_kernel

    kernel = _copy_kernel(32, 32)
    assert _copy_kernel(32, 32) is kernel  # built once per size
    assert all(not t.flags.writeable for t in kernel.tables if isinstance(t, np.ndarray))
    if MASKED_MOVES:
        assert kernel.copy is shift_flip_bits and kernel.tables[1] == 8 and kernel.tables[0].nbytes == 17 * 48 * 32 // 8 + 16
    else:
        assert kernel.copy is shift_flip_table and kernel.tables[1] == 8 and kernel.tables[0].shape == (17, 48 * 32)
    table, reach = _copy_kernel(28, 28).tables  # rows that do not pack 64-byte blocks: bytes
    assert reach == 8 and table.shape == (17, (28 + 16) * 28)
    if MASKED_MOVES:  # 128x128: 313 kB of byte masks at a reach of 8, 39 kB of bits
        assert _copy_kernel(128, 128).copy is shift_flip_bits and _copy_kernel(128, 128).tables[1] == 8
    assert _copy_kernel(120, 120).tables[1] == 7  # bytes: a reach of 8 would take 277 kB
    table, reach = _copy_kernel(224, 224).tables
    assert reach == 0 and table.shape == (0, 224 * 224) and 9 * (224 + 8) * 224 > MASK_TABLE_BYTES


def _counting_case(kind):
    """Five RGB 16x16 images and matrices for each of the warp's paths: the integer copy,
    the affine kernel and OpenCV's perspective warp."""
    x = images(5, 3, (16, 16))
    if kind == "integer":
        m = mx.translation(torch.tensor([2.0, -3, 0, 1, 4], dtype=torch.float64), torch.zeros(5, dtype=torch.float64))
    else:
        m = mx.about_centre(mx.rotation(torch.tensor([10.0, 20.0, -33.0, 0.5, 90.0], dtype=torch.float64)), 16, 16)
        if kind == "perspective":
            m[:, 2, 0] = 1e-3
    return x, m


@pytest.mark.parametrize("kind", ["integer", "affine", "perspective"])
def test_warp_counts_the_histogram_of_what_it_wrote(kind):
    x, m = _counting_case(kind)
    stats = LevelStats(5, 3)
    out = warp(x, m, stats=stats)
    assert torch.equal(out, warp(x, m))
    assert torch.equal(torch.from_numpy(stats.hist), histogram_u8(out))


@pytest.mark.parametrize("kind", ["integer", "affine", "perspective"])
def test_warp_counts_the_sums_below_two_levels_of_what_it_wrote(kind):
    x, m = _counting_case(kind)
    bounds = np.random.default_rng(1).integers(0, 257, (5, 3, 2)).astype(np.int32)
    stats = LevelStats(5, 3, bounds)
    out = warp(x, m, stats=stats)
    assert torch.equal(out, warp(x, m))
    flat = out.reshape(5, 3, -1).numpy().astype(np.int64)
    for k, level in enumerate((bounds[..., :1], bounds[..., 1:])):
        below = flat < level
        assert np.array_equal(stats.sums[..., 2 * k], below.sum(-1))
        assert np.array_equal(stats.sums[..., 2 * k + 1], (flat * below).sum(-1))
    assert np.array_equal(range_sums_u8(out, bounds), stats.sums)


def _random_affines(rng, n, H, W):
    inv = np.empty((n, 2, 3))
    for b in range(n):
        m = cv2.getRotationMatrix2D(((W - 1) / 2, (H - 1) / 2), rng.uniform(-180, 180), rng.uniform(0.3, 3.0))
        m[:, :2] += rng.uniform(-0.3, 0.3, (2, 2))  # shear
        m[:, 2] += rng.uniform(-W, W, 2) * (b % 3 == 0)  # some far outside
        inv[b] = m
    return inv


@pytest.mark.parametrize("H,W,C", [(224, 224, 3), (32, 32, 3), (13, 9, 1), (2, 3, 4), (1, 1, 3), (1, 7, 2), (40, 1, 1)])
@pytest.mark.parametrize("fill", [0, 200])
def test_batched_affine_kernel_matches_opencv(H, W, C, fill):
    from augmentlab.ops.kernels.numba_warp import warp_affine_u8

    rng = np.random.default_rng(H * 31 + W * 7 + C + fill)
    x = rng.integers(0, 256, (6, C, H, W), dtype=np.uint8)
    inv = _random_affines(rng, 6, H, W)
    inv[0] = [[1, 0, 0], [0, 1, 0]]  # the identity is exact
    out = np.empty_like(x)
    warp_affine_u8(x, out, inv, fill, NO_HIST, NO_BOUNDS, NO_SUMS)
    assert np.array_equal(out[0], x[0])
    for b in range(6):
        for c in range(C):
            ref = cv2.warpAffine(x[b, c], inv[b], (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
            diff = np.abs(out[b, c].astype(int) - ref.astype(int))
            # float32 rounding: a level off on a few pixels in a thousand
            assert diff.max() <= 1 and (diff > 0).mean() < 0.01, (b, c)


def test_warp_gives_the_same_bytes_on_any_thread_count():
    x = images(600, 3, (32, 32))  # 1.8 MB: three slices
    m = mx.about_centre(mx.rotation(torch.linspace(-40, 40, 600, dtype=torch.float64)), 32, 32)
    shift = mx.translation(torch.arange(600, dtype=torch.float64) % 5 - 2, torch.zeros(600, dtype=torch.float64))
    from augmentlab.ops.kernels.warp import shift_flip_chain_u8

    flips = np.arange(600) % 3 == 0
    chain = [(flips, (True, 31, False, 0)), (np.ones(600, bool), (False, np.arange(600) % 9 - 4, False, np.arange(600) % 7 - 3))]
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = [warp(x, m), warp(x, shift), warp(x, m, nearest=True), shift_flip_chain_u8(x, chain)]
        torch.set_num_threads(3)
        three = [warp(x, m), warp(x, shift), warp(x, m, nearest=True), shift_flip_chain_u8(x, chain)]
    finally:
        torch.set_num_threads(before)
    assert all(torch.equal(a, b) for a, b in zip(one, three))


def test_float_warps_stay_inside_the_input_range():
    # OpenCV's float bilinear gave -3.3e-15 here (found by the property test)
    x = images(1, 1, (3, 27), torch.float32, seed=4)
    m = create_op("affine", m=2.220446049250313e-16)
    for path in ("native", "torch"):
        from augmentlab.ops.kernels.backend import torch_kernels

        if path == "torch":
            with torch_kernels():
                y = m(x, torch.Generator().manual_seed(4))
        else:
            y = m(x, torch.Generator().manual_seed(4))
        assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0, path


def test_warps_far_outside_the_fixed_point_range_take_opencv():
    from augmentlab.ops.kernels.numba_warp import fits_fixed_point

    x = images(2, 3, (16, 16))
    far = mx.translation(torch.tensor([1e6, 3.0], dtype=torch.float64), torch.tensor([0.0, 2.5], dtype=torch.float64))
    s = torch.tensor([1e-4, 1.0], dtype=torch.float64)
    zoom = mx.about_centre(mx.scaling(s, s), 16, 16)  # the inverse reads 10,000x further
    both = zoom @ far
    for m in (far, zoom, both):
        inv = torch.linalg.inv(m).numpy()
        assert not fits_fixed_point(inv, 16, 16)
        y = warp(x, m)
        for b in range(2):
            for c in range(3):
                ref = cv2.warpAffine(x[b, c].numpy(), inv[b, :2], (16, 16), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
                assert np.abs(y[b, c].numpy().astype(int) - ref.astype(int)).max() <= 1
    assert fits_fixed_point(np.array([[[1.0, 0, 0], [0, 1.0, 0]]]), 224, 224)


def test_hue_kernel_gives_the_torch_paths_bytes():
    """The numba hue kernel replays the float32 torch code step by step: same bytes, on
    random colours, greys, black, white, pure primaries and every shift sign."""
    from augmentlab.ops.kernels.backend import torch_kernels

    x = images(12, 3, (17, 23))
    x[0] = 0
    x[1] = 255
    x[2] = x[2, :1]  # grey
    x[3, :, :, :] = torch.tensor([255, 0, 0], dtype=torch.uint8).view(3, 1, 1)
    x[4, :, :, :] = torch.tensor([0, 255, 255], dtype=torch.uint8).view(3, 1, 1)
    x[5, :, :, 0] = torch.tensor([200, 200, 10], dtype=torch.uint8).view(3, 1)  # ties for the largest channel
    op = create_op("hue", m=1.0, p=1.0)
    params = op.sample(torch.Generator().manual_seed(0), 12, tuple(x.shape[1:]))
    params["shift"][:4] = torch.tensor([0.5, -0.5, 0.0, 1e-9], dtype=torch.float64)
    native = op.apply(x, params)
    with torch_kernels():
        reference = op.apply(x, params)
    assert torch.equal(native, reference)
    assert not torch.equal(native[6:], x[6:])


def test_the_compiled_inverse_and_shift_check_agree_with_numpy():
    from augmentlab.ops.kernels.numba_warp import integer_shift, invert_3x3

    g = torch.Generator().manual_seed(0)
    m = (torch.eye(3, dtype=torch.float64) + 0.1 * torch.randn(6, 3, 3, generator=g, dtype=torch.float64)).numpy()
    assert np.allclose(invert_3x3(m), np.linalg.inv(m), rtol=1e-12, atol=1e-12)
    shifts = mx.translation(torch.tensor([3.0, -2.0]), torch.tensor([0.0, 5.0])) @ mx.flip(2, 8, 8, True)
    inv = invert_3x3(shifts.numpy())
    ok, sx, sy, t = integer_shift(inv)
    assert ok and sx.tolist() == [-1.0, -1.0] and sy.tolist() == [1.0, 1.0] and t.tolist() == [[10, 0], [5, -5]]
    for bad in (0.5, 1e-3, float("nan"), float("inf")):  # a half-pixel shift, a slight one, broken matrices
        off = inv.copy()
        off[1, 0, 2] += bad
        assert not integer_shift(off)[0]
