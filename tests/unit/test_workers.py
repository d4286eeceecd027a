"""``engine.workers.Shared``: jobs one thread offers and another may take."""
from __future__ import annotations

import threading

import pytest

from renditions.engine import workers


def test_a_helper_takes_the_jobs_the_owner_has_not_reached_and_results_keep_their_order():
    shared, ran_by = workers.Shared(), {}
    first_started, helper_done = threading.Event(), threading.Event()

    def run(i):
        ran_by[i] = threading.current_thread().name
        if i == 0:  # the owner holds its first job until the helper has taken the rest
            first_started.set()
            assert helper_done.wait(5)
        return i * i

    def helper():
        assert first_started.wait(5)
        shared.help()
        helper_done.set()

    thread = threading.Thread(target=helper, name="helper")
    thread.start()
    assert shared.share(run, [(i,) for i in range(4)]) == [0, 1, 4, 9]
    thread.join(5)
    assert ran_by[0] == threading.current_thread().name
    assert {ran_by[i] for i in (1, 2, 3)} == {"helper"}


def test_a_helper_does_not_wait_when_nothing_will_be_offered():
    shared = workers.Shared()
    shared.close()
    shared.help()  # returns at once


def test_a_job_s_error_reaches_the_owner_whoever_ran_it():
    shared = workers.Shared()

    def run(i):
        if i == 2:
            raise ValueError("band 2")
        return i

    with pytest.raises(ValueError, match="band 2"):
        shared.share(run, [(i,) for i in range(3)])
