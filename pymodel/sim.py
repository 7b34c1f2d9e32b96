"""A small deterministic discrete-event loop: simulated ns, coroutine tasks, no real sleeps.

The driver only ever awaits `env.sleep_ns(ns)`, a spawned task, or the bus. The co-simulation
passes its own env with the same three members (now_ns, sleep_ns, spawn).
"""
from __future__ import annotations

import heapq
from typing import Any, Callable, Coroutine, List, Optional


class _Sleep:
    """Awaitable: suspend the current task for ns simulated nanoseconds."""

    __slots__ = ("ns",)

    def __init__(self, ns: float) -> None:
        self.ns = ns

    def __await__(self):
        yield self


class Task:
    """A coroutine scheduled on an Env; awaiting it waits for its result."""

    def __init__(self, env: "Env", coro: Coroutine, name: str = "") -> None:
        self.env = env
        self.coro = coro
        self.name = name or getattr(coro, "__name__", "task")
        self.done = False
        self.result: Any = None
        self.cancelled = False
        self._waiters: List["Task"] = []

    def cancel(self) -> None:
        """Stop the task at its next resumption."""
        if not self.done:
            self.cancelled = True
            self.done = True
            self.coro.close()
            for w in self._waiters:
                self.env._schedule(w, 0.0)
            self._waiters.clear()

    def __await__(self):
        if not self.done:
            yield self
        return self.result

    def __repr__(self) -> str:
        return f"<Task {self.name} done={self.done}>"


class Env:
    """Deterministic event loop in simulated time (ns). Exceptions in tasks propagate from run."""

    def __init__(self) -> None:
        self.now_ns: float = 0.0
        self._queue: list = []
        self._seq = 0
        self.tasks_spawned = 0

    def sleep_ns(self, ns: float) -> _Sleep:
        """Awaitable that resumes the caller ns later (0 yields to other ready tasks)."""
        if ns < 0:
            raise ValueError("negative sleep")
        return _Sleep(ns)

    def spawn(self, coro: Coroutine, name: str = "") -> Task:
        """Start coro as a concurrent task at the current time."""
        task = Task(self, coro, name)
        self.tasks_spawned += 1
        self._schedule(task, 0.0)
        return task

    def _schedule(self, task: Task, delay: float) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (self.now_ns + delay, self._seq, task))

    def _step(self, task: Task) -> None:
        if task.done:
            return
        try:
            req = task.coro.send(None)
        except StopIteration as stop:
            task.done = True
            task.result = stop.value
            for w in task._waiters:
                self._schedule(w, 0.0)
            task._waiters.clear()
            return
        if isinstance(req, _Sleep):
            self._schedule(task, req.ns)
        elif isinstance(req, Task):
            if req.done:
                self._schedule(task, 0.0)
            else:
                req._waiters.append(task)
        else:
            raise TypeError(f"task {task.name} awaited {req!r}; only env.sleep_ns and tasks are allowed")

    def run(self, until_ns: Optional[float] = None, until: Optional[Callable[[], bool]] = None,
            max_steps: Optional[int] = None) -> None:
        """Run events in time order until the queue is empty, until_ns passes or until() holds."""
        steps = 0
        q = self._queue
        while q:
            if until is not None and until():
                return
            t, _, task = q[0]
            if until_ns is not None and t > until_ns:
                self.now_ns = until_ns
                return
            heapq.heappop(q)
            self.now_ns = t
            self._step(task)
            steps += 1
            if max_steps is not None and steps >= max_steps:
                return
        if until_ns is not None and self.now_ns < until_ns:
            self.now_ns = until_ns

    def run_until_complete(self, coro: Coroutine, timeout_ns: Optional[float] = None) -> Any:
        """Spawn coro and run until it finishes; return its result."""
        task = self.spawn(coro)
        limit = None if timeout_ns is None else self.now_ns + timeout_ns
        self.run(until_ns=limit, until=lambda: task.done)
        if not task.done:
            raise TimeoutError(f"{task.name} not done at {self.now_ns} ns")
        return task.result
