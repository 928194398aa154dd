from augmentlab import heap


def test_every_n_trims_on_every_nth_call_only(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "trim_heap", lambda: calls.append(1))
    every = heap.EveryN(3)
    for _ in range(7):
        every()
    assert len(calls) == 2


def test_trim_heap_runs_where_the_c_library_has_it():
    heap.trim_heap()  # glibc: returns freed pages; elsewhere: nothing, and no error
