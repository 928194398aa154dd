from augmentlab.cli_support import as_flags
from augmentlab.errors import AugmentlabError


def test_fields_are_shown_as_flags_and_prose_is_left_alone():
    e = AugmentlabError("per_class 50 is too large: the smallest class has 40 samples", field="per_class")
    assert as_flags(e) == "--per-class 50 is too large: the smallest class has 40 samples"
    both = AugmentlabError("filter_model 'x' is the filter's encoder; give min_similarity too", field=("filter_model", "min_similarity"))
    assert as_flags(both) == "--filter-model 'x' is the filter's encoder; give --min-similarity too"
    # only the first whole word: "test" in prose and test_split stay as they are
    e = AugmentlabError("test has 3 classes but the test_split and test data ...", field="test")
    assert as_flags(e) == "--test has 3 classes but the test_split and test data ..."
    assert as_flags(AugmentlabError("seeds are fine")) == "seeds are fine"  # no field: untouched
