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
