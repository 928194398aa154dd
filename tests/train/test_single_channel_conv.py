import pytest
import torch

from augmentlab.train.single_channel_conv import SingleChannelConv2d


def _pair(k: int, channels_last: bool, out_channels: int = 8, bias: bool = True, pool: bool = False):
    """Our layer and ``nn.Conv2d`` with the same parameters (the reference pools nothing)."""
    torch.manual_seed(0)
    ours = SingleChannelConv2d(out_channels, k, bias=bias, pool=pool)
    ref = torch.nn.Conv2d(1, out_channels, k, padding=k // 2, bias=bias)
    ref.load_state_dict(ours.state_dict())
    if channels_last:
        ours, ref = ours.to(memory_format=torch.channels_last), ref.to(memory_format=torch.channels_last)
    return ours, ref


@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize("channels_last", [True, False])
def test_values_and_gradients_match_conv2d(k, channels_last):
    ours, ref = _pair(k, channels_last)
    x = torch.randn(4, 1, 12, 10, requires_grad=True)
    x_ref = x.detach().clone().requires_grad_()
    out, out_ref = ours(x), ref(x_ref)
    grad = torch.randn_like(out)
    out.backward(grad)
    out_ref.backward(grad)
    torch.testing.assert_close(out, out_ref)
    torch.testing.assert_close(ours.weight.grad, ref.weight.grad, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(ours.bias.grad, ref.bias.grad, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(x.grad, x_ref.grad)
    assert ours.weight.grad.stride() == ours.weight.stride()


def test_input_gradient_is_skipped_when_not_needed_and_bias_may_be_absent():
    conv = SingleChannelConv2d(4, 3, bias=False)
    x = torch.randn(2, 1, 6, 6)
    conv(x).sum().backward()
    assert conv.bias is None and conv.weight.grad is not None and x.grad is None


def test_same_parameters_as_conv2d_and_plain_path_without_grad():
    ours, ref = _pair(3, False)
    assert ours.state_dict().keys() == ref.state_dict().keys()
    with torch.no_grad():
        torch.testing.assert_close(ours(torch.ones(1, 1, 5, 5)), ref(torch.ones(1, 1, 5, 5)))


def test_even_kernel_is_refused():
    with pytest.raises(ValueError, match="odd"):
        SingleChannelConv2d(4, 2)


def test_frozen_parameters_get_no_gradient_and_the_input_still_does():
    ours, ref = _pair(3, True)
    for p in (*ours.parameters(), *ref.parameters()):
        p.requires_grad_(False)
    x = torch.randn(2, 1, 7, 7, requires_grad=True)
    x_ref = x.detach().clone().requires_grad_()
    ours(x).square().sum().backward()
    ref(x_ref).square().sum().backward()
    assert ours.weight.grad is None and ours.bias.grad is None
    torch.testing.assert_close(x.grad, x_ref.grad)


@pytest.mark.parametrize("out_channels", [16, 8])  # the fused kernel, and torch's layers for other widths
@pytest.mark.parametrize("bias", [True, False])
def test_pooled_values_and_gradients_match_conv2d_then_max_pool(out_channels, bias):
    ours, ref = _pair(3, True, out_channels, bias, pool=True)
    x = torch.rand(4, 1, 14, 10).contiguous(memory_format=torch.channels_last).requires_grad_()
    x_ref = x.detach().clone().requires_grad_()
    out, out_ref = ours(x), torch.nn.functional.max_pool2d(ref(x_ref), 2)
    assert out.shape == out_ref.shape == (4, out_channels, 7, 5)
    assert out.is_contiguous(memory_format=torch.channels_last)
    grad = torch.randn_like(out)
    out.backward(grad)
    out_ref.backward(grad)
    torch.testing.assert_close(out, out_ref)
    torch.testing.assert_close(ours.weight.grad, ref.weight.grad, rtol=1e-4, atol=1e-4)
    if bias:
        torch.testing.assert_close(ours.bias.grad, ref.bias.grad, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(x.grad, x_ref.grad)  # adversarial training needs the input's
    assert ours.weight.grad.stride() == ours.weight.stride()


def test_pooled_layer_without_grad_and_in_float64_takes_the_same_values():
    ours, ref = _pair(3, True, 16, pool=True)
    x = torch.rand(3, 1, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), torch.nn.functional.max_pool2d(ref(x), 2))
        ours64, ref64 = ours.double(), ref.double()  # not float32: torch's layers
        torch.testing.assert_close(ours64(x.double()), torch.nn.functional.max_pool2d(ref64(x.double()), 2))


def test_default_cnn_keeps_its_parameter_names_with_the_fused_pool():
    from augmentlab.train.models import build_model

    model = build_model("cnn", (1, 28, 28), 10)
    assert model.features[0].pool and isinstance(model.features[1], torch.nn.Identity)
    assert "features.2.running_mean" in model.state_dict()  # the batch norm kept its slot
    assert model(torch.rand(2, 1, 28, 28)).shape == (2, 10)
