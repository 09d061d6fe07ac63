"""A take's life as the domain states it: the stored strings, and the moves allowed between them."""

from __future__ import annotations

from shortfilm.domain.take import TRANSITIONS, TakeState, may_become


def test_the_states_are_the_stored_strings() -> None:
    assert [str(s) for s in TakeState] == [
        "queued",
        "running",
        "succeeded",
        "failed",
        "cancelled",
        "rejected",
    ]
    assert TakeState("succeeded") == "succeeded"
    assert set(TRANSITIONS) == set(TakeState)


def test_a_generated_take_runs_then_finishes_once() -> None:
    assert may_become("queued", "running") and may_become("running", "succeeded")
    assert may_become("queued", "failed"), "a create refused outright never ran"
    assert not may_become("succeeded", "running")
    assert not may_become("failed", "succeeded")
    assert not may_become("running", "queued")


def test_only_a_person_s_rejection_follows_a_finished_take() -> None:
    for finished in ("succeeded", "failed", "cancelled"):
        assert may_become(finished, "rejected")
    assert may_become("rejected", "rejected"), "a second note on a rejected take"
    assert not may_become("rejected", "succeeded")
