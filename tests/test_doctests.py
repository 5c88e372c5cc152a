"""The examples in the public docstrings run and print what they show."""

import doctest

import pytest

import cactivations
from cactivations import _api


FUNCTIONS = [n for n in cactivations.__all__ if not isinstance(getattr(cactivations, n), type)]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_docstring_example(name):
    obj = getattr(cactivations, name)
    finder = doctest.DocTestFinder(recurse=False)
    tests = finder.find(obj, name, globs={}, module=_api)
    examples = sum(len(t.examples) for t in tests)
    assert examples > 0, f"{name} has no example in its docstring"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for t in tests:
        runner.run(t)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} docstring example(s) failed"
