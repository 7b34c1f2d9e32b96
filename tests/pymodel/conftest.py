"""Shared fixtures for the pymodel tests (no simulator needed)."""
import os
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from pymodel.costs import get_profile  # noqa: E402
from pymodel.dma import HostMemory  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "long: the 100,000-frame end-to-end runs (select with -m long)")


@pytest.fixture
def hm():
    """Strict, non-coherent host memory without IOMMU (the talk's board)."""
    return HostMemory(get_profile("cortex-a53"), strict=True)


@pytest.fixture
def hm_loose():
    """Permissive, non-coherent host memory: breaches are recorded, accesses go ahead."""
    return HostMemory(get_profile("cortex-a53"), strict=False)
