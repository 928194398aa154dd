"""A search's default budget, light to import (the CLI's options name it).

The defaults keep a search within four training runs of compute on top of the free
baselines: on MNIST (10 per class, 3 seeds) 8 trials of a quarter run cost 0.99 runs and
retraining the winner 3.0 (3.99 in all), where 24 trials of half a run cost 3.0 and 3.0
and found a policy no better on test (see README: search). Since the winner skips a last
seed that could not make it the choice, the same search costs 2.99.
"""

DEFAULT_BUDGET = 8  # trials
DEFAULT_TRIAL_FRACTION = 0.25  # a full trial's steps, as a fraction of a training run's
