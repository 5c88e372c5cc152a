"""pytest configuration of the cactivations suite.

The contract table (``CASES``) and the other helpers live in ``_helpers.py``.
"""

import os

import numpy as np
import pytest

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # test_hypothesis.py is skipped then
    settings = None
else:
    # ci (the default): deterministic, a fixed budget; long: for local runs,
    # HYPOTHESIS_PROFILE=long pytest tests/test_hypothesis.py
    _common = dict(deadline=None, print_blob=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    settings.register_profile("ci", derandomize=True, max_examples=40, database=None, **_common)
    settings.register_profile("long", max_examples=2000, **_common)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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
