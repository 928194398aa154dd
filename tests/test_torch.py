"""augmentlab in a user's own PyTorch loop: BatchAugment is a seeded nn.Module whose stream
survives a state_dict round trip; the per-sample transform and the collate function give
the same weights twice at num_workers=2, and no two workers repeat draws."""

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from augmentlab.errors import AugmentlabError
from augmentlab.torch import AugmentCollate, BatchAugment, SampleAugment


class Same(Dataset):
    """Sixteen copies of one image, labels 0..3: any difference between outputs is a draw."""

    def __init__(self, transform=None):
        g = torch.Generator().manual_seed(0)
        self.image = torch.randint(0, 256, (3, 12, 12), generator=g, dtype=torch.uint8)
        self.transform = transform

    def __len__(self):
        return 16

    def __getitem__(self, i):
        x = self.image if self.transform is None else self.transform(self.image)
        return x, i % 4


def tiny():
    torch.manual_seed(0)  # the user's own initialisation
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 12 * 12, 4))


def fit(loader, augment=None, steps=2):
    model = tiny()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _, (x, y) in zip(range(steps), loader):
        if augment is not None:
            x = augment(x)
        loss = nn.functional.cross_entropy(model(x.float() / 255 if x.dtype == torch.uint8 else x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_batch_augment_is_a_seeded_module_that_resumes_its_stream():
    x = torch.randint(0, 256, (8, 3, 16, 16), dtype=torch.uint8)
    a, b = BatchAugment("hflip+affine(m=0.3)", seed=0), BatchAugment("hflip+affine(m=0.3)", seed=0)
    assert isinstance(a, nn.Module)
    first = a(x)
    assert torch.equal(first, b(x)) and not torch.equal(first, a(x))  # the same first draw; a second call draws anew
    resumed = BatchAugment("hflip+affine(m=0.3)", seed=99)
    resumed.load_state_dict(a.state_dict())
    assert torch.equal(resumed(x), a(x))


def test_batch_augment_records_draws_and_mixes_labels():
    x = torch.randint(0, 256, (6, 3, 16, 16), dtype=torch.uint8)
    augment = BatchAugment("affine(m=0.3)+mixup(m=0.4)", seed=1, num_classes=5, record=True)
    out, target = augment(x, torch.arange(6) % 5)
    assert out.shape == x.shape and target.shape == (6, 5) and len(augment.records) == 1
    with pytest.raises(AugmentlabError, match="give num_classes"):
        BatchAugment("mixup", seed=0)


def test_a_user_model_trains_to_the_same_weights_with_batch_augment():
    loader = lambda: DataLoader(Same(), batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(3))  # noqa: E731
    one = fit(loader(), BatchAugment("hflip+affine(m=0.5)", seed=0))
    two = fit(loader(), BatchAugment("hflip+affine(m=0.5)", seed=0))
    assert torch.equal(one, two) and not torch.equal(one, fit(loader(), BatchAugment("hflip+affine(m=0.5)", seed=1)))


def _workers_loader(transform=None, collate=None):
    return DataLoader(Same(transform), batch_size=4, num_workers=2, generator=torch.Generator().manual_seed(7),
                      collate_fn=collate)


def test_the_sample_transform_at_two_workers_gives_the_same_weights_and_fresh_draws_per_worker():
    transform = SampleAugment("affine(m=0.6)+brightness(m=0.6)", seed=0)
    assert torch.equal(fit(_workers_loader(transform), steps=4), fit(_workers_loader(transform), steps=4))
    batches = [x for x, _ in _workers_loader(transform)]  # batches alternate between the two workers
    images = torch.cat(batches)
    distinct = {tuple(img.flatten().tolist()) for img in images}
    assert len(distinct) == len(images)  # no image repeats: no two workers (or samples) share a draw
    assert not torch.equal(batches[0], batches[1])


def test_the_collate_function_mixes_in_the_workers_and_repeats_with_the_seed():
    collate = AugmentCollate("hflip+mixup(m=0.4)", num_classes=4, seed=0)
    first = [(x, y) for x, y in _workers_loader(collate=collate)]
    again = [(x, y) for x, y in _workers_loader(collate=collate)]
    assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in zip(first, again))
    assert first[0][1].shape == (4, 4) and not torch.equal(first[0][0], first[1][0])
    with pytest.raises(AugmentlabError, match="mix whole batches"):
        SampleAugment("mixup", seed=0)
