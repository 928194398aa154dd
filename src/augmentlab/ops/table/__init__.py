"""Table ops: oversamplers that add rows to a training set (through imbalanced-learn)."""
