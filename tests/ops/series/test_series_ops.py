"""What each series op promises beyond the contract suite: lengths kept, warps monotone
with their ends in place, the declared amounts, and names that mean the data's op."""

import numpy as np
import pytest
import torch

from augmentlab.errors import AugmentlabError
from augmentlab.ops import create_op
from augmentlab.policy import parse_policy
from augmentlab.rng import torch_generator
from tests.contract_ops import SERIES_OPS

NAN = float("nan")


def _ragged(seed=0, lengths=(60, 37, 12, 60), channels=2):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(len(lengths), channels, max(lengths), generator=g).cumsum(2)
    for i, n in enumerate(lengths):
        x[i, :, n:] = NAN
    return x


def _run(name, x, m=0.8, seed=1, **kwargs):
    return create_op(name, "series", m=m, **kwargs)(x, torch_generator(seed))


def test_the_issue_ops_are_all_there():
    wanted = {"jitter", "scaling", "magnitude_warp", "time_warp", "window_slice", "window_warp", "permutation", "rotation",
              "drift", "time_mask", "smooth", "freq_mask", "freq_noise"}
    assert wanted <= set(SERIES_OPS)


@pytest.mark.parametrize("name", SERIES_OPS)
def test_every_op_keeps_each_series_length_and_fills_it(name):
    x = _ragged()
    y = _run(name, x, m=1.0)
    assert torch.equal(torch.isnan(y), torch.isnan(x)), "the NaN padding marks each length and must stay as it is"
    assert torch.isfinite(y[~torch.isnan(x)]).all()


@pytest.mark.parametrize("name", ["time_warp", "window_warp"])
def test_warps_keep_the_ends_and_the_order_of_events(name):
    lengths = (80, 45, 80)
    t = torch.arange(80, dtype=torch.float32)
    x = t.expand(3, 1, 80).clone()  # a ramp: the warped series is where each step reads
    for i, n in enumerate(lengths):
        x[i, :, n:] = NAN
    for seed in range(5):
        y = _run(name, x, m=1.0, seed=seed)
        for i, n in enumerate(lengths):
            read = y[i, 0, :n]
            assert float(read[0]) == pytest.approx(0.0, abs=1e-4) and float(read[-1]) == pytest.approx(n - 1, abs=1e-3)
            assert bool((read[1:] >= read[:-1] - 1e-4).all()), "time must never run backwards"


def test_window_slice_reads_a_window_stretched_back_like_numpy():
    x = _ragged(lengths=(50,), channels=1)
    op = create_op("window_slice", "series", m=1.0)
    params = op.sample(torch_generator(3), 1, (1, 50))
    crop, start = float(params["crop"][0]), float(params["start"][0])
    y = op.apply(x, params)[0, 0].numpy()
    width = (1 - crop) * 49
    first = start * (49 - width)
    expected = np.interp(first + np.arange(50) * width / 49, np.arange(50), x[0, 0].numpy())
    np.testing.assert_allclose(y, expected, atol=1e-5)


def test_permutation_moves_whole_segments_and_keeps_every_value():
    x = _ragged(lengths=(40, 23), channels=1)
    y = _run("permutation", x, m=1.0)
    for i, n in enumerate((40, 23)):
        assert sorted(y[i, 0, :n].tolist()) == sorted(x[i, 0, :n].tolist())
    assert not torch.equal(y.nan_to_num(), x.nan_to_num())


def test_rotation_flips_univariate_and_shuffles_signed_channels():
    x = _ragged(lengths=(30,), channels=1)
    assert torch.equal(_run("rotation", x), -x)
    multi = _ragged(lengths=(30, 30, 30, 30), channels=3)
    y = _run("rotation", multi)
    for i in range(4):
        sources = [min(range(3), key=lambda c: float((y[i, k].abs() - multi[i, c].abs()).abs().max())) for k in range(3)]
        assert sorted(sources) == [0, 1, 2], "each output channel is one input channel, up to its sign"


def test_jitter_noise_is_relative_to_each_channels_spread():
    x = torch.randn(1, 2, 4000, generator=torch.Generator().manual_seed(0))
    x[0, 1] *= 100.0
    op = create_op("jitter", "series", m=1.0, mode="fixed")  # exactly 0.1 of each channel's std
    noise = op(x, torch_generator(0)) - x
    ratio = noise.std(dim=2) / x.std(dim=2)
    assert torch.allclose(ratio, torch.full_like(ratio, 0.1), rtol=0.05)


def test_scaling_and_jitter_at_zero_are_identity():
    x = _ragged()
    for name in ("scaling", "jitter"):
        assert torch.equal(_run(name, x, m=0.0).nan_to_num(), x.nan_to_num())


def test_scaling_uses_the_declared_factor_range():
    x = torch.ones(64, 3, 10)
    op = create_op("scaling", "series", m=1.0, mode="fixed")  # 2^(±0.5)
    factors = op(x, torch_generator(2))[:, :, 0]
    assert sorted(round(float(f), 5) for f in factors.unique()) == [round(2**-0.5, 5), round(2**0.5, 5)]


def test_smooth_keeps_a_constant_series_constant_up_to_its_end():
    x = torch.full((2, 1, 30), 4.0)
    x[1, :, 18:] = NAN
    y = _run("smooth", x, m=1.0)
    torch.testing.assert_close(y[0], x[0])
    torch.testing.assert_close(y[1, :, :18], x[1, :, :18])


def test_freq_mask_removes_a_band_and_keeps_the_mean():
    t = torch.arange(64, dtype=torch.float64) / 64
    waves = sum(torch.sin(2 * torch.pi * k * t) for k in range(1, 33))
    x = (3.0 + waves).float().view(1, 1, 64)
    y = _run("freq_mask", x, m=1.0, seed=4)
    before, after = torch.fft.rfft(x[0, 0].double()).abs(), torch.fft.rfft(y[0, 0].double()).abs()
    assert float(after[0]) == pytest.approx(float(before[0]), rel=1e-5)
    removed = (after[1:] < 1e-3) & (before[1:] > 1.0)
    assert 1 <= int(removed.sum()) <= round(0.2 * 32) + 1


def test_op_names_mean_the_datas_op():
    assert create_op("time_warp", "series").modality == "series"
    assert create_op("time_warp", "audio").modality == "audio"
    assert parse_policy("time_mask(m=0.3)", "series").modality == "series"
    with pytest.raises(AugmentlabError, match="works on audio"):
        from augmentlab.policy.modality import check_modality

        check_modality(parse_policy("time_mask(m=0.3)", "image"), "image")


def test_randaugment_and_trivial_on_series_draw_series_ops():
    for spec in ("rand-n2-m0.5", "trivial"):
        policy = parse_policy(spec, "series")
        assert {op.modality for op in policy.ops()} <= {"series", "any"}
        y = policy(_ragged(), torch_generator(0))
        assert torch.equal(torch.isnan(y), torch.isnan(_ragged()))


@pytest.mark.parametrize("name", ["mixup", "cutmix"])
def test_series_mixing_keeps_lengths_and_soft_labels_sum_to_one(name):
    op = create_op(name, "series", m=0.5)
    x = _ragged()
    y = torch.tensor([0, 1, 2, 1])
    mixed, soft = op.mix(x, y, 3, torch_generator(0))
    assert torch.equal(torch.isnan(mixed), torch.isnan(x))
    torch.testing.assert_close(soft.sum(1), torch.ones(4))


def test_series_mixup_of_equal_lengths_is_plain_mixup():
    op = create_op("mixup", "series", m=0.5)
    x = torch.randn(4, 2, 20)
    params = op.sample(torch_generator(1), 4, (2, 20))
    mixed, _ = op.mix_kernel(x, params)
    lam = params["lam"].float().view(-1, 1, 1)
    torch.testing.assert_close(mixed, lam * x + (1 - lam) * x[params["perm"]], atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", SERIES_OPS)
def test_the_torch_path_cuda_runs_matches_the_cpu_kernels(name):
    from augmentlab.ops.kernels.backend import torch_kernels

    x = _ragged(seed=5)
    op = create_op(name, "series", m=0.7)
    params = op.sample(torch_generator(2), len(x), tuple(x.shape[1:]))
    cpu = op.apply(x, params)
    with torch_kernels():
        portable = op.apply(x, params)
    torch.testing.assert_close(portable, cpu, atol=1e-4, rtol=1e-5, equal_nan=True)


def test_hashed_draws_are_the_same_bits_on_both_paths():
    from augmentlab.ops.kernels.backend import torch_kernels
    from augmentlab.ops.kernels.series import hashed_normal, hashed_uniform, series_lengths

    seeds = torch.randint(0, 2**62, (50,), generator=torch.Generator().manual_seed(0))
    with torch_kernels():
        uniform, normal, lengths = hashed_uniform(seeds, 77), hashed_normal(seeds, 77), series_lengths(_ragged())
    assert torch.equal(hashed_uniform(seeds, 77), uniform) and torch.equal(series_lengths(_ragged()), lengths)
    torch.testing.assert_close(hashed_normal(seeds, 77), normal)
    assert 0.0 < float(uniform.min()) and float(uniform.max()) < 1.0
