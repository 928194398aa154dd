import pytest
import torch

from augmentlab.device import resolve_device
from augmentlab.errors import AugmentlabError


def test_cpu_and_auto_resolve_to_devices_that_exist():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(" CPU ") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.parametrize("name,needle", [("gpu", "not a device"), ("cuda:99", "CUDA"), ("xla", "not supported")])
def test_unknown_or_missing_devices_get_one_clear_error(name, needle):
    with pytest.raises(AugmentlabError, match=needle):
        resolve_device(name)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error where CUDA is missing")
def test_cuda_without_a_gpu_says_to_use_cpu():
    with pytest.raises(AugmentlabError, match="use --device cpu"):
        resolve_device("cuda")
