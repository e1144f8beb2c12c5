"""Reporting for the validation tests: how many W3C SHACL tests the run passed."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from .test_w3c_suite import OUTCOMES

    if OUTCOMES:
        passed = sum(OUTCOMES.values())
        terminalreporter.write_line(
            f"W3C SHACL test suite through `evawkg validate`: {passed} of {len(OUTCOMES)} passed")
