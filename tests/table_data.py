"""Small tables the table tests share: mixed column kinds, a rare class, a missing value."""

import numpy as np


def write_loans(path, rows=160, seed=0, positive_share=0.2, extra_category=None):
    """A CSV of loans: two numeric columns (one with a missing cell), a categorical and a
    yes/no column, and a ``deny`` target that depends on them, about ``positive_share`` yes."""
    rng = np.random.default_rng(seed)
    lines = ["income,ratio,region,married,deny"]
    for i in range(rows):
        deny = rng.random() < positive_share
        income = rng.normal(40 - 12 * deny, 8)
        ratio = rng.normal(0.3 + 0.2 * deny, 0.08)
        region = rng.choice(["north", "south", "east"], p=[0.2, 0.3, 0.5] if deny else [0.5, 0.3, 0.2])
        if extra_category and i == rows - 1:
            region = extra_category
        married = "yes" if rng.random() < (0.3 if deny else 0.6) else "no"
        income_cell = "" if i == 3 else f"{income:.2f}"
        lines.append(f"{income_cell},{ratio:.3f},{region},{married},{'yes' if deny else 'no'}")
    path.write_text("\n".join(lines) + "\n")
    return path
