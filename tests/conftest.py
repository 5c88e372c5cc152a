"""pytest configuration of the cactivations suite.

The contract table (``CASES``) and the other helpers live in ``_helpers.py``.
"""

import numpy as np
import pytest


def pytest_configure(config):
    # The project runs with warnings as errors (pyproject.toml); make sure the
    # suite does even when it is run from elsewhere (e.g. an installed wheel).
    config.addinivalue_line("filterwarnings", "error")


@pytest.fixture
def rng():
    return np.random.default_rng(20240607)


@pytest.fixture(scope="session")
def mp_cache():
    """Session cache of mpmath references: key -> value."""
    return {}
