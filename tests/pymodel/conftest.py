"""Shared fixtures for the pymodel tests (no simulator needed)."""
import os

import pytest

from pymodel.costs import get_profile
from pymodel.dma import HostMemory

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture
def hm():
    """Strict, non-coherent host memory without IOMMU (the talk's board)."""
    return HostMemory(get_profile("cortex-a53"), strict=True)


@pytest.fixture
def hm_loose():
    """Permissive, non-coherent host memory: breaches are recorded, accesses go ahead."""
    return HostMemory(get_profile("cortex-a53"), strict=False)
