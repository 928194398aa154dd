import pytest

from augmentlab.ops.text.wordnet_install import lexnames_from_man_page

NAMES = ["adj.all", "adj.pert", "adv.all"] + [f"noun.n{i}" for i in range(26)] + [f"verb.v{i}" for i in range(15)] + ["adj.ppl"]


def man_page(rows):
    body = "".join(f"{k:02d}\t{name}\tsome description  \n" for k, name in enumerate(rows))
    return f".TS\ncenter ;\nl l l.\n\\fBFile Number\\fP\t\\fBName\\fP\t\\fBContents\\fP\n_\n{body}.TE\n"


def test_lexnames_are_written_from_the_man_page_table_with_categories():
    text = lexnames_from_man_page(man_page(NAMES))
    lines = text.splitlines()
    assert len(lines) == 45 and lines[0] == "00\tadj.all\t3" and lines[2] == "02\tadv.all\t4"
    assert lines[3] == "03\tnoun.n0\t1" and lines[29] == "29\tverb.v0\t2" and lines[44] == "44\tadj.ppl\t3"


def test_a_man_page_without_the_full_table_is_refused():
    with pytest.raises(RuntimeError, match="expected 45"):
        lexnames_from_man_page(man_page(NAMES[:40]))
