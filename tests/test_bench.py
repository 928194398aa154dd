from augmentlab.bench import run_bench


def test_bench_reports_every_library_pipeline_and_ratio():
    result = run_bench(seconds=0.02, sizes=(32,), rounds=1)
    rows = {(r["library"], r["pipeline"], r["size"]) for r in result["results"]}
    for lib in ("augmentlab", "albumentations", "kornia", "memcpy"):
        for pipeline in ("standard", "flip_crop"):
            assert (lib, pipeline, 32) in rows
    assert all(r["items_per_second"] > 0 for r in result["results"])
    assert all(r["images_per_second"] == r["items_per_second"] for r in result["results"] if r["pipeline"] not in ("audio", "series"))
    assert set(result["ratios"]) >= {"standard_32_vs_albumentations", "flip_crop_32_vs_memcpy", "detection_512_vs_albumentations"}
    assert {("augmentlab", "detection", 512), ("albumentations", "detection", 512)} <= rows
    assert {("augmentlab", "series", 512), ("tsaug", "series", 512), ("memcpy", "series", 512)} <= rows
    assert "series_512_vs_tsaug" in result["ratios"]
    assert result["distortion"] == []  # measured at 224 only
    assert ("augmentlab", "flip_crop", 32) in {(r["library"], r["pipeline"], r["size"]) for r in result["results"] if r["batch_size"] == 256}
    assert "flip_crop_32_b256_vs_memcpy" in result["ratios"] and "thread_scaling" not in result


def test_bench_threads_times_each_thread_count_and_restores_torchs():
    import torch

    before = torch.get_num_threads()
    result = run_bench(seconds=0.02, sizes=(32,), rounds=1, audio=False, detection=False, series=False, threads=2,
                       libraries=("augmentlab", "memcpy"))
    assert torch.get_num_threads() == before
    rows = result["thread_scaling"]["rows"]
    assert {(r["pipeline"], r["threads"]) for r in rows} == {(p, t) for p in ("standard", "flip_crop") for t in (1, 2)}
    assert all(r["items_per_second"] > 0 and r["batch_size"] == 1024 for r in rows)
    assert set(result["thread_scaling"]["ratios"]) == {"standard_32_threads_2_vs_1", "flip_crop_32_threads_2_vs_1"}
    ceiling = result["thread_scaling"]["machine_ceiling"]
    assert ceiling["threads"] == 2 and 0.3 < ceiling["l1_fma_speedup"] < 2.5
