import hashlib

import numpy as np
import pytest

from augmentlab.data.shards import open_source
from augmentlab.data.shards.base import Chunk
from augmentlab.errors import AugmentlabError
from augmentlab.policy import load_policy, policy_to_dict
from augmentlab.stream_augment import StreamJob, augment_chunk, combined_digest, run_job
from tests.shard_data import image_folder, npz_shards, parquet_shards, tar_shards

POLICY = "hflip+affine(m=0.3)+brightness(m=0.5)"
MAKERS = {"npz": npz_shards, "tar": tar_shards, "parquet": parquet_shards, "folder": image_folder}


def job_for(source, out, *, policy=POLICY, seed=0, copies=2, batch_size=5):
    return StreamJob(source, tuple(source.units(batch_size)), policy_to_dict(load_policy(policy, "image")), seed, copies,
                     batch_size, str(out))


def tree_digest(root):
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def run_into(source, out, workers, **kw):
    out.mkdir()
    results = run_job(job_for(source, out, **kw), workers)
    return results, tree_digest(out)


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_the_output_is_the_same_for_one_or_two_workers(tmp_path, kind):
    source = open_source(MAKERS[kind](tmp_path / "in"))
    one, files_one = run_into(source, tmp_path / "one", 1)
    two, files_two = run_into(source, tmp_path / "two", 2)
    assert files_one == files_two and len(files_one) >= 2
    assert one == two and [r["unit"] for r in one] == list(range(len(source.units(5))))
    assert combined_digest(one) == combined_digest(two)


def test_seed_and_batch_size_decide_the_draws(tmp_path):
    source = open_source(npz_shards(tmp_path / "in", shards=1))
    _, base = run_into(source, tmp_path / "a", 1)
    _, other_seed = run_into(source, tmp_path / "b", 1, seed=1)
    _, other_batches = run_into(source, tmp_path / "c", 1, batch_size=4)
    assert base != other_seed and base != other_batches


def test_copies_are_augmented_and_originals_untouched(tmp_path):
    source = open_source(npz_shards(tmp_path / "in", shards=1))
    run_into(source, tmp_path / "o", 1, copies=2)
    with np.load(tmp_path / "in" / "part-000.npz") as z, np.load(tmp_path / "o" / "part-000.npz") as o:
        assert np.array_equal(o["images"][0::3], z["images"])
        assert not np.array_equal(o["images"][1::3], z["images"]) and not np.array_equal(o["images"][1::3], o["images"][2::3])


def test_a_chunk_of_mixed_sizes_is_augmented_by_size_group_and_keeps_each_size():
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, shape, dtype=np.uint8) for shape in [(6, 5, 3), (7, 7, 1), (6, 5, 3), (7, 7, 1), (4, 4, 3)]]
    chunk = Chunk(10, images, np.zeros(5, np.int64), [None] * 5)
    policy = load_policy(POLICY, "image")
    first = augment_chunk(policy, chunk, 0, 1, 2)
    again = augment_chunk(policy, chunk, 0, 1, 2)
    assert [[im.shape for im in copy] for copy in first] == [[im.shape for im in images]] * 2
    assert all(np.array_equal(a, b) for ca, cb in zip(first, again) for a, b in zip(ca, cb))
    moved = augment_chunk(policy, Chunk(11, images, np.zeros(5, np.int64), [None] * 5), 0, 1, 2)  # another place, other draws
    assert not all(np.array_equal(a, b) for a, b in zip(first[0], moved[0]))


def test_an_error_in_a_worker_comes_back_as_one_error(tmp_path):
    root = tar_shards(tmp_path / "in")
    with open(root / "shard-1.tar", "r+b") as f:  # the first image's pixels, ruined (headers intact)
        f.seek(512 + 60)
        f.write(b"\0" * 40)
    source = open_source(root)
    (tmp_path / "o").mkdir()
    with pytest.raises(AugmentlabError, match="shard-1.tar: s1_0000.png: not a readable"):
        run_job(job_for(source, tmp_path / "o"), 2)


def test_workers_and_backend_are_checked(tmp_path):
    source = open_source(npz_shards(tmp_path / "in", shards=1))
    with pytest.raises(AugmentlabError, match="workers"):
        run_job(job_for(source, tmp_path), 0)
    with pytest.raises(AugmentlabError, match="backend must be one of local, ray"):
        run_job(job_for(source, tmp_path), 1, "dask")


@pytest.mark.slow
def test_ray_data_gives_the_same_bytes_on_a_local_two_cpu_cluster(tmp_path):
    pytest.importorskip("ray.data")
    source = open_source(npz_shards(tmp_path / "in", shards=3))
    local, files_local = run_into(source, tmp_path / "local", 2)
    (tmp_path / "ray").mkdir()
    on_ray = run_job(job_for(source, tmp_path / "ray"), 2, "ray")
    assert tree_digest(tmp_path / "ray") == files_local and on_ray == local
