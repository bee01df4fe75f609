"""The runs list's pure parts: the page cache (laziness, LRU bound), lining up a fresh page, formatting."""

from __future__ import annotations

import time

import pytest

from desktop_app.runs import formatting as fmt
from desktop_app.runs.paging import PageCache, Shift, plan_shift
from tests.desktop_app.runs_support import make_run


def test_a_row_is_requested_once_until_its_page_arrives() -> None:
    cache = PageCache(page_size=10, max_pages=3)
    cache.total = 95
    assert cache.row(42) is None
    assert cache.request(42) == 4
    assert cache.request(45) is None  # same page, already on its way
    cache.put(4, [make_run(n) for n in range(40, 50)])
    assert cache.row(42).id == "run-000042"  # type: ignore[union-attr]
    assert cache.request(42) is None
    assert cache.request(95) is None and cache.request(-1) is None  # outside the list


def test_pages_beyond_the_bound_are_dropped_least_recently_used_first() -> None:
    cache = PageCache(page_size=5, max_pages=3)
    cache.total = 100
    for page in range(3):
        cache.put(page, [make_run(page * 5 + i) for i in range(5)])
    cache.row(0)  # page 0 used again: page 1 is now the oldest
    cache.put(7, [make_run(35 + i) for i in range(5)])
    assert cache.loaded_pages() == [0, 2, 7]
    assert cache.loaded_rows == 15
    assert cache.find("run-000037") == 37
    assert cache.find("run-000006") is None


def test_an_abandoned_page_can_be_requested_again() -> None:
    cache = PageCache(page_size=10, max_pages=2)
    cache.total = 30
    assert cache.request(12) == 1
    cache.abandon(1)
    assert cache.request(12) == 1


def test_bad_sizes_are_refused_with_the_name_of_the_setting() -> None:
    with pytest.raises(ValueError, match="page_size"):
        PageCache(page_size=0)
    with pytest.raises(ValueError, match="max_pages"):
        PageCache(max_pages=1)


@pytest.mark.parametrize(
    ("old", "fresh", "old_total", "new_total", "expected"),
    [
        (["a", "b", "c"], ["a", "b", "c"], 3, 3, Shift(0, 0)),
        (["a", "b", "c"], ["x", "y", "a", "b", "c"], 3, 5, Shift(2, 0)),  # two new runs on top
        (["a", "b", "c"], ["a", "b"], 3, 2, Shift(0, 1)),  # the oldest aged out of the window
        (["a", "b", "c"], ["x", "a", "b"], 3, 3, Shift(1, 1)),  # one new, one aged out
        (["a", "b", "c"], ["x", "y", "z"], 3, 9, None),  # more new runs than a page: re-read
        (["a", "b", "c"], ["a", "c"], 3, 2, None),  # deleted in the middle: re-read
        (["a", "b"], ["a", "b", "q"], 2, 3, None),  # a run appeared below the top: re-read
        ([], ["a"], 0, 1, Shift(1, 0)),  # the first run ever
    ],
)
def test_plan_shift_lines_up_a_fresh_first_page(
    old: list[str], fresh: list[str], old_total: int, new_total: int, expected: Shift | None
) -> None:
    assert plan_shift(old, fresh, old_total, new_total) == expected


def test_durations_read_as_minutes_and_seconds_then_hours() -> None:
    assert fmt.format_duration(41.9) == "00:41"
    assert fmt.format_duration(3 * 3600 + 12 * 60 + 5) == "3:12:05"
    assert fmt.format_duration(-3) == "00:00"


def test_a_running_run_elapses_with_the_clock_and_a_finished_one_does_not() -> None:
    now = time.time()
    running = make_run(1, status="running", started_at=now - 100)
    assert fmt.elapsed_seconds(running, now) == pytest.approx(100)
    done = make_run(2, status="failed", started_at=now - 100, elapsed=7.5)
    assert fmt.elapsed_seconds(done, now) == 7.5


def test_start_times_are_relative_today() -> None:
    now = time.time()
    assert fmt.format_started(now - 12, now) == "12 s ago"
    assert fmt.format_started(now - 5 * 60, now) == "5 min ago"
    assert fmt.format_started(now - 400 * 86400, now)[:2] in ("19", "20")  # a full date a year back
