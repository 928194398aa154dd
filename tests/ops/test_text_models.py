"""Back-translation and contextual substitution end to end on tiny, randomly initialised
models that the tests build and save, loaded through the real ``from_pretrained`` path."""

import json

import pytest

transformers = pytest.importorskip("transformers")
from tokenizers import Tokenizer, models, pre_tokenizers, processors  # noqa: E402

from augmentlab.errors import AugmentlabError  # noqa: E402
from augmentlab.ops import create_op  # noqa: E402
from augmentlab.ops.text.base import as_text_batch  # noqa: E402
from augmentlab.policy import parse_policy  # noqa: E402
from augmentlab.rng import torch_generator  # noqa: E402
from tests.conftest import run  # noqa: E402

WORDS = ("the a film movie story plot cast is was and but very quite good great fine bad dull slow long "
         "funny sad with from to of it this that").split()
SENTENCES = as_text_batch(["the film was very good", "a dull and slow story", "this cast is funny but the plot is long"])


def save_tokenizer(path, specials):
    vocab = {tok: i for i, tok in enumerate([*specials, *WORDS])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    if "</s>" in specials:
        tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", vocab["</s>"])])
    kwargs = {"unk_token": "[UNK]", "pad_token": "[PAD]"}
    kwargs.update({"mask_token": "[MASK]", "cls_token": "[CLS]", "sep_token": "[SEP]"} if "[MASK]" in specials else {"eos_token": "</s>"})
    transformers.PreTrainedTokenizerFast(tokenizer_object=tok, **kwargs).save_pretrained(path)
    return len(vocab)


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory):
    import torch

    root = tmp_path_factory.mktemp("tiny")
    torch.manual_seed(0)  # inside the test process only: the models' random weights
    mlm = root / "mlm"
    n = save_tokenizer(mlm, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    config = transformers.BertConfig(vocab_size=n, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=64)
    transformers.BertForMaskedLM(config).save_pretrained(mlm)
    paths = {"mlm": mlm}
    for direction in ("en-xx", "xx-en"):
        path = root / direction
        n = save_tokenizer(path, ["[PAD]", "[UNK]", "</s>"])
        config = transformers.MarianConfig(vocab_size=n, d_model=32, encoder_layers=1, decoder_layers=1,
                                           encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
                                           decoder_ffn_dim=64, max_position_embeddings=64, pad_token_id=0, eos_token_id=2,
                                           decoder_start_token_id=0, forced_eos_token_id=2)
        transformers.MarianMTModel(config).save_pretrained(path)
        paths[direction] = path
    return paths


def test_contextual_substitution_refills_masked_words_with_vocabulary_words(tiny_models):
    op = create_op("contextual", m=0.5, model=str(tiny_models["mlm"]), top_k=5)
    a, b = op(SENTENCES, torch_generator(0)), op(SENTENCES, torch_generator(0))
    assert list(a) == list(b) and list(a) != list(SENTENCES)
    for new, old in zip(a, SENTENCES):
        assert len(new.split()) == len(old.split())  # one word in for each word out
        assert all(w in WORDS for w in new.split())
        changed = sum(x != y for x, y in zip(new.split(), old.split()))
        assert 1 <= changed <= max(1, len(old.split()) // 2)
    assert list(create_op("contextual", m=0.0, model=str(tiny_models["mlm"]))(SENTENCES, torch_generator(0))) == list(SENTENCES)


def test_back_translation_runs_both_directions_batched_and_seeded(tiny_models):
    spec = f"backtranslate(m=1.0,forward={tiny_models['en-xx']},backward={tiny_models['xx-en']},batch_size=2)"
    op = parse_policy(spec)
    a, b = op(SENTENCES, torch_generator(1)), op(SENTENCES, torch_generator(1))
    assert list(a) == list(b) and len(a) == len(SENTENCES)
    assert all(isinstance(t, str) and t for t in a)
    assert all(w in WORDS for t in a for w in t.split())  # decoded from the tiny vocabulary
    top = create_op("backtranslate", m=0.0, forward=str(tiny_models["en-xx"]), backward=str(tiny_models["xx-en"]))
    # m = 0 takes the top beam: no randomness left, so seeds do not matter
    assert list(top(SENTENCES, torch_generator(1))) == list(top(SENTENCES, torch_generator(2)))


def test_a_model_path_that_does_not_exist_is_one_clear_error(tmp_path, capsys):
    with pytest.raises(AugmentlabError, match="does not exist"):
        create_op("contextual", model=str(tmp_path / "nowhere"))
    train = tmp_path / "t.tsv"
    train.write_text("sentence\tlabel\n" + "".join(f"the film was good {i}\t{i % 2}\n" for i in range(20)))
    code, _, err = run(["augment", str(train), "--policy", f"backtranslate(forward={tmp_path / 'nowhere'})",
                        "--out", str(tmp_path / "o.tsv")], capsys)
    assert code == 2 and "does not exist" in err and len(err.strip().splitlines()) == 1


def test_model_ops_work_in_the_text_pipeline(tiny_models, tmp_path):
    from augmentlab.train.text_run import expand

    policy = parse_policy(f"contextual(m=0.3,model={tiny_models['mlm']})")
    texts, labels, groups, stats = expand(SENTENCES, [1, 0, 1], policy, 2, seed=0)
    assert len(texts) == 9 and stats["augmented"] == 6
    assert json.dumps(stats)
