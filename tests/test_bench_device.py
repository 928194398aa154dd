import torch

from augmentlab.bench_device import _device_steps, run_device_bench

SMALL = {32: (32, 8), 224: (4, 2)}


def test_device_bench_reports_ours_kornia_and_the_copy_with_ratios():
    # on the CPU here; the same code runs on a GPU, where CI has none
    result = run_device_bench(torch.device("cpu"), seconds=0.02, rounds=1, pools=SMALL)
    rows = {(r["library"], r["pipeline"], r["size"], r["batch_size"]) for r in result["results"]}
    for size, (_, batch) in SMALL.items():
        for pipeline in ("standard", "flip_crop"):
            assert {("augmentlab", pipeline, size, batch), ("kornia", pipeline, size, batch), ("memcpy", pipeline, size, batch)} <= rows
    assert all(r["images_per_second"] > 0 for r in result["results"])
    assert set(result["ratios"]) == {"standard_32_vs_kornia", "flip_crop_32_vs_kornia", "flip_crop_32_vs_memcpy",
                                     "standard_224_vs_kornia", "flip_crop_224_vs_kornia", "flip_crop_224_vs_memcpy"}
    assert result["device"] == "cpu" and result["device_name"] == "cpu"


def test_each_step_waits_for_the_device():
    waits = []
    pool = torch.randint(0, 256, (8, 3, 32, 32), dtype=torch.uint8)
    steps = _device_steps("standard", 32, pool, 4, lambda: waits.append(1))
    for name, step in steps.items():
        before = len(waits)
        assert step(1) == 4
        assert len(waits) == before + 1, name

