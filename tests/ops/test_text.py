import numpy as np
import pytest

from augmentlab.errors import AugmentlabError
from augmentlab.ops import REGISTRY, create_op
from augmentlab.ops.text.base import as_text_batch
from augmentlab.ops.text.eda import random_delete, stop_words
from augmentlab.ops.text.noise import KEYBOARD
from augmentlab.ops.text.wordnet import synonyms
from augmentlab.policy import parse_policy
from augmentlab.policy.replay import params_from_json, params_to_json
from augmentlab.rng import torch_generator
from tests.contract_ops import TEXT_OPS

SENTENCES = as_text_batch([
    "The movie was a wonderful surprise , full of heart and good humour .",
    "a slow , boring plot with terrible acting",
    "Brilliant",
    "",
    "it is what it is , nothing more and nothing less than a quiet little film",
])


def test_text_ops_are_registered_with_their_modality():
    assert {"synonym", "insert", "swap", "delete", "eda", "typo", "ocr"} <= set(TEXT_OPS)
    assert all(REGISTRY[n].modality == "text" for n in TEXT_OPS)


@pytest.mark.parametrize("name", TEXT_OPS)
def test_same_seed_same_text_and_the_input_is_untouched(name):
    op = create_op(name, m=0.4)
    before = SENTENCES.copy()
    a, b, c = op(SENTENCES, torch_generator(3)), op(SENTENCES, torch_generator(3)), op(SENTENCES, torch_generator(4))
    assert list(a) == list(b) and list(a) != list(c)
    assert list(SENTENCES) == list(before)
    assert a.dtype == object and len(a) == len(SENTENCES) and all(isinstance(t, str) for t in a)


@pytest.mark.parametrize("name", TEXT_OPS)
def test_zero_magnitude_and_zero_probability_leave_text_alone(name):
    assert list(create_op(name, m=0.0)(SENTENCES, torch_generator(0))) == list(SENTENCES)
    assert list(create_op(name, m=0.9, p=0.0)(SENTENCES, torch_generator(0))) == list(SENTENCES)


@pytest.mark.parametrize("name", TEXT_OPS)
def test_each_sentence_depends_only_on_its_own_draw(name):
    """Applying to a sub-batch with the matching parameters gives the same sentences."""
    op = create_op(name, m=0.5, p=0.6)
    params = op.sample(torch_generator(5), len(SENTENCES), ())
    whole = op.apply(SENTENCES, params)
    mask = params["apply"].numpy()
    assert [w for w, t, on in zip(whole, SENTENCES, mask) if not on] == [t for t, on in zip(SENTENCES, mask) if not on]
    restored = op.apply(SENTENCES, params_from_json(params_to_json(params)))
    assert list(restored) == list(whole)


def test_swap_and_delete_keep_or_drop_words_without_inventing_any():
    words = SENTENCES[4].split()
    swapped = create_op("swap", m=0.3)(SENTENCES, torch_generator(1))[4].split()
    assert sorted(swapped) == sorted(words) and swapped != words
    deleted = create_op("delete", m=0.5)(SENTENCES, torch_generator(1))[4].split()
    assert 0 < len(deleted) < len(words) and all(w in words for w in deleted)
    import random

    assert len(random_delete(["only", "two"], 1.0, random.Random(0))) == 1  # never empty


def test_synonym_replacement_uses_wordnet_and_keeps_stop_words():
    assert "film" in synonyms("movie") and "movie" not in synonyms("movie")
    out = create_op("synonym", m=1.0)(SENTENCES, torch_generator(2))[0].split()
    original = SENTENCES[0].split()
    assert len(out) >= len(original) and out != original
    for before in original:
        if before.lower() in stop_words():
            assert before in out  # stop words are never replaced


def test_character_noise_changes_letters_only_near_the_original():
    out = create_op("typo", m=1.0)(as_text_batch(["keyboard"]), torch_generator(0))[0]
    assert out != "keyboard" and abs(len(out) - len("keyboard")) <= 1
    assert set(KEYBOARD["g"]) == set("fhtyvb")
    ocr = create_op("ocr", m=1.0)(as_text_batch(["cool"]), torch_generator(0))[0]
    assert ocr != "cool" and len(ocr) == 4


def test_eda_takes_copies_and_a_subset_of_edits_and_round_trips_as_a_spec():
    policy = parse_policy("eda(m=0.05,copies=16)")
    assert policy.copies == 16 and repr(parse_policy(repr(policy))) == repr(policy)
    only_swaps = create_op("eda", m=0.5, edits="swap")(SENTENCES, torch_generator(0))
    assert all(sorted(a.split()) == sorted(b.split()) for a, b in zip(only_swaps, SENTENCES))
    with pytest.raises(AugmentlabError, match="edits"):
        create_op("eda", edits="swap,shout")
    with pytest.raises(AugmentlabError, match="copies"):
        create_op("eda", copies=0)


def test_text_ops_compose_in_containers():
    policy = parse_policy("one_of(synonym(m=0.3), swap(m=0.3))+typo(m=0.2,p=0.5)")
    a = policy(SENTENCES, torch_generator(7))
    assert list(a) == list(policy(SENTENCES, torch_generator(7)))
    assert isinstance(a, np.ndarray) and len(a) == len(SENTENCES)
