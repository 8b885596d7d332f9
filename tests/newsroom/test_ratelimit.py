"""One rate-limit counter for the whole site (newsroom.ratelimit), in the shared cache."""

import time

from newsroom import ratelimit


def test_a_window_opens_with_the_first_hit_and_counts_every_hit():
    assert ratelimit.count("test", "ada", 60) == 0
    assert [ratelimit.hit("test", "ada", 60) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.count("test", "ada", 60) == 3
    assert ratelimit.count("test", "bob", 60) == 0  # keys are counted apart
    assert ratelimit.count("other", "ada", 60) == 0  # and scopes too


def test_retry_after_says_when_the_open_window_closes(monkeypatch):
    start = time.time()
    monkeypatch.setattr(time, "time", lambda: start)
    ratelimit.hit("test", "ada", 600)
    monkeypatch.setattr(time, "time", lambda: start + 100)
    assert 500 <= ratelimit.retry_after("test", "ada", 600) <= 501
    assert ratelimit.retry_after("test", "nobody", 600) == 600


def test_the_count_starts_again_once_the_window_has_passed():
    ratelimit.hit("test", "ada", 1)
    ratelimit.hit("test", "ada", 1)
    time.sleep(1.1)  # the cache expires the window; there is no clock to move for it
    assert ratelimit.count("test", "ada", 1) == 0
    assert ratelimit.hit("test", "ada", 1) == 1
