import numpy as np

from augmentlab.data.builtin import digits


def test_digits_read_from_the_bundled_file_equal_load_digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    ds = digits()
    assert ds.data.shape == (1797, 1, 8, 8) and ds.class_names == tuple(str(i) for i in range(10))
    assert np.array_equal(ds.images_hwc(), np.rint(d.images * (255.0 / 16.0)).astype(np.uint8))
    assert np.array_equal(ds.labels.numpy(), d.target)
