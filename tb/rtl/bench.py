"""The RTL bench's `TB`: the shared harness with the bench's host memory and predictions."""
from tb.common.harness import TB, BenchError

__all__ = ["TB", "BenchError"]
