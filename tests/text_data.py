"""A small two-class sentiment table the text tests write: templates filled with
positive or negative words, so a bag-of-words model can learn it in seconds."""

import random

POSITIVE = ["wonderful", "great", "moving", "brilliant", "charming", "delightful", "superb", "funny"]
NEGATIVE = ["boring", "dull", "awful", "tedious", "clumsy", "terrible", "lifeless", "weak"]
TEMPLATES = ["the film is {w} and {v}", "a {w} story with {v} acting", "{w} , simply {v} from start to end",
             "what a {w} movie , truly {v}", "the cast is {w} but the plot is {v}"]


def sentiment_rows(n_per_class: int, seed: int = 0) -> list[tuple[str, int]]:
    rng = random.Random(seed)
    rows = []
    for label, words in ((1, POSITIVE), (0, NEGATIVE)):
        for _ in range(n_per_class):
            rows.append((rng.choice(TEMPLATES).format(w=rng.choice(words), v=rng.choice(words)), label))
    rng.shuffle(rows)
    return rows


def write_sentiment_tsv(path, n_per_class: int, seed: int = 0):
    path.write_text("sentence\tlabel\n" + "".join(f"{s}\t{y}\n" for s, y in sentiment_rows(n_per_class, seed)), encoding="utf-8")
    return path
