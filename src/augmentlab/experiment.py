"""The lab from Python, on the user's own model: an ``Experiment`` takes the data and a
policy as the CLI does, a model as a name or a factory ``(shape, num_classes) -> nn.Module``,
and optionally the user's own training step and scoring function; ``evaluate``, ``sweep``
and ``search`` return the same results as the commands, under the same protocol (seeds,
splits, paired lifts, a test set never used for choosing).

    from augmentlab.experiment import Experiment

    def my_net(shape, num_classes):
        return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(shape), num_classes))

    exp = Experiment("digits", "affine(m=0.2)", per_class=10, seeds=3, model=my_net)
    print(exp.evaluate()["lift"])
"""

from __future__ import annotations

from collections.abc import Callable

from augmentlab.lab import Lab
from augmentlab.search.defaults import DEFAULT_BUDGET
from augmentlab.train.hooks import TrainingHooks, using_hooks


class Experiment:
    def __init__(self, data: str, policy, *, per_class: int | None = None, train_size: int | None = None, seeds: int = 3,
                 steps: int | None = None, test: str | None = None, model: str | Callable | None = None,
                 weights: str | None = None, device: str = "cpu", train_step: Callable | None = None,
                 evaluate: Callable | None = None, **read):
        """``policy``: a spec string or a policy object. ``train_step(model, x, target,
        optimizer) -> loss`` runs one step its own way (the lab still draws the batches,
        augments them and steps the schedule); ``evaluate(model, x, y) -> score`` scores
        validation and test in [0, 1]. ``read``: the reading options the commands take
        (``target``, ``mixed_sizes``, ...)."""
        from augmentlab.device import resolve_device
        from augmentlab.train.user_models import factory_name

        name = model if model is None or isinstance(model, str) else factory_name(model)
        spec = policy if isinstance(policy, str) else policy.to_spec()
        self.lab = Lab(data, spec, per_class, seeds, steps, test, name, train_size=train_size, weights=weights,
                       device=str(resolve_device(device)), **read)
        self.hooks = TrainingHooks(train_step, evaluate)

    @property
    def protocol(self):
        return self.lab.protocol

    def evaluate(self, progress=None) -> dict:
        """Baseline and policy on every seed: the ``evaluate`` command's results."""
        from augmentlab.train.protocol import evaluate

        with using_hooks(self.hooks):
            return evaluate(self.lab.ds, self.lab.policy, self.lab.protocol, self.lab.test_ds, progress)

    def sweep(self, magnitudes=(0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0), progress=None) -> dict:
        """The policy at each magnitude: the ``sweep`` command's results."""
        from augmentlab.policy.magnitude import check_sweepable
        from augmentlab.search.sweep import sweep

        check_sweepable(self.lab.policy)
        with using_hooks(self.hooks):
            return sweep(self.lab.ds, self.lab.policy, list(magnitudes), self.lab.protocol, self.lab.test_ds, progress)

    def search(self, budget: int = DEFAULT_BUDGET, seed: int = 0, space=None) -> dict:
        """A budgeted policy search next to the free baselines: the ``search`` command's
        results (the policy given to the experiment is not used)."""
        from augmentlab.search.space import parse_space
        from augmentlab.search.study import SearchSettings, run_search

        with using_hooks(self.hooks):
            results, _ = run_search(self.lab.ds, parse_space(space, self.lab.ds.modality), self.lab.protocol,
                                    SearchSettings(budget=budget, seed=seed), self.lab.test_ds)
        return results
