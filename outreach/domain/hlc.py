"""Hybrid logical clock (Kulkarni et al.): a stamp that follows wall time but never goes backwards and
always moves past any stamp seen from another device, so (hlc, device) orders every change.

A stamp is one integer: milliseconds since the Unix epoch shifted left 16 bits, plus a 16-bit counter.
Integers sort, compare and travel in JSON without loss; no floats anywhere.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

COUNTER_BITS = 16
COUNTER_MASK = (1 << COUNTER_BITS) - 1
# A remote stamp this far ahead of our wall clock is suspicious (a laptop whose clock is wrong).
FUTURE_TOLERANCE_MS = 24 * 3600 * 1000


def pack(ms: int, counter: int) -> int:
    return (ms << COUNTER_BITS) | counter


def physical_ms(stamp: int) -> int:
    return stamp >> COUNTER_BITS


def counter(stamp: int) -> int:
    return stamp & COUNTER_MASK


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class HybridClock:
    last: int = 0
    now_ms: Callable[[], int] = field(default=wall_ms, repr=False)

    def tick(self) -> int:
        """A new stamp for a local event, greater than every stamp issued or seen before."""
        wall = self.now_ms()
        last_ms = physical_ms(self.last)
        if wall > last_ms:
            self.last = pack(wall, 0)
        else:
            self.last = pack(last_ms, counter(self.last) + 1) if counter(self.last) < COUNTER_MASK \
                else pack(last_ms + 1, 0)
        return self.last

    def observe(self, remote: int) -> None:
        """Take a stamp seen on a received change into account (max on receive)."""
        if remote > self.last:
            self.last = remote

    def is_far_future(self, remote: int) -> bool:
        return physical_ms(remote) > self.now_ms() + FUTURE_TOLERANCE_MS
