import torch

from augmentlab.train.models import GlobalAvgPool, SmallCNN


def test_global_avg_pool_is_the_channel_mean():
    x = torch.randn(3, 5, 4, 6)
    torch.testing.assert_close(GlobalAvgPool()(x), torch.nn.AdaptiveAvgPool2d(1)(x).flatten(1))


def test_global_avg_pool_gradient_is_a_broadcast_view_not_a_contiguous_copy():
    # a contiguous gradient meeting a channels-last activation ran the ReLU's backward on
    # mixed layouts, 5x slower
    seen = []
    x = torch.randn(2, 4, 3, 3).contiguous(memory_format=torch.channels_last).requires_grad_()
    y = torch.relu(x)
    y.register_hook(seen.append)
    GlobalAvgPool()(y).sum().backward()
    assert 0 in seen[0].stride()


def test_small_cnn_keeps_its_parameter_names_for_grey_and_colour_input():
    for channels in (1, 3):
        names = list(SmallCNN(channels, 10).state_dict())
        assert names[:2] == ["features.0.weight", "features.0.bias"] and names[-2:] == ["head.weight", "head.bias"]
        assert SmallCNN(channels, 10)(torch.randn(2, channels, 28, 28)).shape == (2, 10)
