"""struct ptr_ring as include/linux/ptr_ring.h (Linux v6.18) behaves: a fixed array of slots,
a NULL slot is free, and the consumer frees the slots it consumed in batches.

The consumer walks consumer_head forward and zeroes the slots behind it only once `batch` of
them are consumed (or it reaches the end of the array), so the producer can find the ring full
while fewer than `size` entries wait in it (`__ptr_ring_discard_one()`).
"""
from __future__ import annotations

from typing import Iterator, List, Optional

SMP_CACHE_BYTES = 64           # arm64 and x86 L1_CACHE_BYTES
POINTER_BYTES = 8              # sizeof(void *) on 64-bit


class PtrRing:
    """ptr_ring_init(size): producer, consumer_head, consumer_tail, batch and the slots."""

    __slots__ = ("size", "batch", "queue", "producer", "consumer_head", "consumer_tail", "count")

    def __init__(self, size: int) -> None:
        self.queue: List[Optional[object]] = [None] * size
        self.producer = self.consumer_head = self.consumer_tail = 0
        self.count = 0                       # entries produced and not yet consumed
        self._set_size(size)

    def _set_size(self, size: int) -> None:
        """__ptr_ring_set_size(): batch is two cache lines of pointers, 1 for small rings."""
        self.size = size
        batch = SMP_CACHE_BYTES * 2 // POINTER_BYTES
        self.batch = 1 if batch > size // 2 or not batch else batch

    def full(self) -> bool:
        """__ptr_ring_full(): the producer's slot is still taken."""
        return self.queue[self.producer] is not None

    def empty(self) -> bool:
        """__ptr_ring_empty(): the consumer's slot is free."""
        return not self.size or self.queue[self.consumer_head] is None

    def produce(self, ptr: object) -> bool:
        """__ptr_ring_produce(): False (-ENOSPC) when the producer's slot is not free yet."""
        if not self.size or self.queue[self.producer] is not None:
            return False
        self.queue[self.producer] = ptr
        self.producer += 1
        if self.producer >= self.size:
            self.producer = 0
        self.count += 1
        return True

    def consume(self) -> Optional[object]:
        """__ptr_ring_consume(): peek the consumer's slot, then __ptr_ring_discard_one()."""
        if not self.size:
            return None
        ptr = self.queue[self.consumer_head]
        if ptr is None:
            return None
        head = self.consumer_head
        consumer_head = head + 1
        if consumer_head - self.consumer_tail >= self.batch or consumer_head >= self.size:
            for i in range(head, self.consumer_tail - 1, -1):     # in reverse, as the kernel
                self.queue[i] = None
            self.consumer_tail = consumer_head
        if consumer_head >= self.size:
            consumer_head = 0
            self.consumer_tail = 0
        self.consumer_head = consumer_head
        self.count -= 1
        return ptr

    def __len__(self) -> int:
        """Entries waiting to be consumed (not a kernel field: the model's count)."""
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __iter__(self) -> Iterator[object]:
        """The waiting entries, oldest first."""
        i = self.consumer_head
        for _ in range(self.count):
            yield self.queue[i]
            i = i + 1 if i + 1 < self.size else 0
