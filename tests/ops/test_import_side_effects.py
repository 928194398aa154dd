"""Importing augmentlab must not retune the host process or pull in what the call does not need."""

import subprocess
import sys

SCRIPT = """
import sys
import cv2
cv2.setNumThreads(3)
import torch
import augmentlab.ops, augmentlab.policy
assert cv2.getNumThreads() == 3, "import changed OpenCV's thread count"
assert "sklearn" not in sys.modules, "importing the ops pulled in scikit-learn"
from augmentlab.policy import parse_policy
x = torch.randint(0, 256, (4, 3, 80, 80), dtype=torch.uint8)
parse_policy("rotate(m=0.3)+gaussian_blur(m=0.5)+elastic")(x, torch.Generator().manual_seed(0))
assert cv2.getNumThreads() == 3, "applying a policy left OpenCV's thread count changed"
"""


def test_opencv_threads_and_heavy_imports_are_left_alone():
    p = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
