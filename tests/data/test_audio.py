import numpy as np
import pytest
import soundfile as sf
import torch

from augmentlab.data import load_dataset, save_dataset
from augmentlab.data.read_options import ReadOptions
from augmentlab.errors import AugmentlabError, AugmentlabNotice
from tests.audio_data import class_folders, flat_folder

FSDD = ReadOptions(label_from="{label}_{group}_{_}")


def test_flat_folder_reads_labels_groups_and_lengths(tmp_path):
    ds = load_dataset(flat_folder(tmp_path / "a"), options=FSDD)
    assert ds.modality == "audio" and ds.class_names == ("0", "1", "2")
    assert ds.group_names == ("ann", "bob", "cat")
    assert ds.data.dtype == torch.float32 and ds.data.shape[:2] == (36, 1)
    # 99 % of the clips fit whole: 0.6 s at 8 kHz, rounded up to a tenth of a second
    assert ds.data.shape[2] == 4800 and ds.layout.sample_rate == 8000
    assert sorted(set(ds.lengths.tolist())) == [2400, 3200, 4000, 4800]
    first = ds.data[0, 0]
    assert first[int(ds.lengths[0]):].abs().max() == 0  # padded with silence after the clip


def test_class_folders_and_flac(tmp_path):
    ds = load_dataset(class_folders(tmp_path / "c"))
    assert ds.class_names == ("class0", "class1", "class2") and ds.groups is None
    # 0.25 s clips, padded to the next tenth of a second
    assert ds.layout.suffix == ".flac" and ds.layout.sample_rate == 16000 and ds.data.shape[2] == 4800


def test_duration_and_sample_rate_options(tmp_path):
    ds = load_dataset(flat_folder(tmp_path / "a"), options=ReadOptions(label_from="{label}_{group}_{_}", sample_rate=16000, duration=0.5))
    assert ds.layout.sample_rate == 16000 and ds.data.shape[2] == 8000
    assert int(ds.lengths.max()) == 8000  # cropped clips keep the cropped length


def test_written_back_in_the_same_layout_with_recorded_lengths(tmp_path):
    src = flat_folder(tmp_path / "a")
    ds = load_dataset(src, options=FSDD)
    save_dataset(ds, tmp_path / "out")
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(names) == 36 and all(n.endswith(".wav") for n in names)
    back = load_dataset(tmp_path / "out", options=FSDD)
    assert back.class_names == ds.class_names and back.group_names == ds.group_names
    assert sorted(back.lengths.tolist()) == sorted(ds.lengths.tolist())
    info = sf.info(str(tmp_path / "out" / names[0]))
    assert info.samplerate == 8000 and info.subtype == "PCM_16"


def test_class_folder_layout_round_trips(tmp_path):
    ds = load_dataset(class_folders(tmp_path / "c"))
    save_dataset(ds, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["class0", "class1", "class2"]
    back = load_dataset(tmp_path / "out")
    assert torch.allclose(back.data, ds.data, atol=1e-4) and torch.equal(back.labels, ds.labels)


def test_24_bit_and_float_wavs_are_accepted(tmp_path):
    for subtype in ("PCM_24", "FLOAT"):
        ds = load_dataset(flat_folder(tmp_path / subtype, subtype=subtype), options=FSDD)
        assert len(ds) == 36 and ds.layout.subtype == subtype


def test_a_file_that_is_not_a_wav_is_named(tmp_path):
    root = flat_folder(tmp_path / "a")
    (root / "1_bob_9.wav").write_bytes(b"this is not audio at all")
    with pytest.raises(AugmentlabError, match=r"1_bob_9\.wav: not a readable WAV file"):
        load_dataset(root, options=FSDD)


def test_a_truncated_wav_is_named(tmp_path):
    root = flat_folder(tmp_path / "a")
    path = root / "2_cat_1.wav"
    path.write_bytes(path.read_bytes()[:-500])
    with pytest.raises(AugmentlabError, match=r"2_cat_1\.wav: truncated WAV file"):
        load_dataset(root, options=FSDD)


def test_a_name_outside_the_pattern_is_named(tmp_path):
    root = flat_folder(tmp_path / "a")
    sf.write(str(root / "stray.wav"), np.zeros(800, np.float32), 8000)
    with pytest.raises(AugmentlabError, match=r"stray\.wav: file name 'stray' does not match"):
        load_dataset(root, options=FSDD)


def test_a_stereo_clip_is_mixed_down_or_refused(tmp_path):
    root = flat_folder(tmp_path / "a")
    sf.write(str(root / "0_ann_9.wav"), np.full((800, 2), 0.25, np.float32), 8000)
    with pytest.warns(AugmentlabNotice, match="1 clips mixed down to mono"):
        ds = load_dataset(root, options=FSDD)
    assert ds.data.shape[1] == 1
    with pytest.raises(AugmentlabError, match=r"0_ann_9\.wav: has 2 channels where the others have 1") as e:
        load_dataset(root, options=ReadOptions(label_from="{label}_{group}_{_}", mixed_sizes="reject"))
    assert e.value.fields == ("mixed_sizes",)


def test_another_sample_rate_is_resampled_or_refused(tmp_path):
    root = flat_folder(tmp_path / "a")
    t = np.arange(16000 // 2) / 16000
    sf.write(str(root / "1_ann_9.wav"), (0.3 * np.sin(2 * np.pi * 600 * t)).astype(np.float32), 16000)
    with pytest.warns(AugmentlabNotice, match="1 clips resampled to 8000 Hz from 16000 Hz"):
        ds = load_dataset(root, options=FSDD)
    assert ds.layout.sample_rate == 8000
    with pytest.raises(AugmentlabError, match=r"1_ann_9\.wav: sampled at 16000 Hz, not 8000 Hz"):
        load_dataset(root, options=ReadOptions(label_from="{label}_{group}_{_}", mixed_sizes="reject"))


def test_an_empty_class_folder_is_refused(tmp_path):
    root = class_folders(tmp_path / "c")
    (root / "class9").mkdir()
    with pytest.raises(AugmentlabError, match=r"class9: empty class folder"):
        load_dataset(root)


def test_a_flat_folder_without_a_pattern_says_how_to_give_one(tmp_path):
    with pytest.raises(AugmentlabError, match="label_from"):
        load_dataset(flat_folder(tmp_path / "a"))


def test_a_test_set_is_read_like_the_training_set(tmp_path):
    train = load_dataset(flat_folder(tmp_path / "a"), options=FSDD)
    other = flat_folder(tmp_path / "b", rate=16000)
    with pytest.warns(AugmentlabNotice, match="resampled to 8000 Hz"):
        test = load_dataset(other, like=train, options=FSDD)
    assert test.layout.sample_rate == 8000 and test.data.shape[1:] == train.data.shape[1:]
