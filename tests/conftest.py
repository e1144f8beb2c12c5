"""Fixtures shared by the whole suite: the real bundle of this checkout, and one real browser."""

from __future__ import annotations

import gc
import os

import pytest
from flask import Flask
from flask.testing import FlaskClient

from evawkg.graph.bundle import Bundle, default_bundle


class WholeAnswerClient(FlaskClient):
    """Flask's test client reading each answer whole and closing it, as a server does after
    sending it: an answer streamed from a file (a dump, an asset) is not left open to the
    garbage collector (a ResourceWarning, an error here). Pass ``buffered=False`` to read one
    as it streams."""

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


Flask.test_client_class = WholeAnswerClient


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    """The checkout's own ontology, data, shapes and queries."""
    return default_bundle()


@pytest.fixture(autouse=True, scope="module")
def _collect_garbage_on_this_thread():
    """After each module, free its unreachable objects here, on the main thread.

    pyoxigraph's query answers may only be dropped on the thread that made them (PyO3
    ``unsendable``): one left in a reference cycle by a module that queried a store (a frame
    kept by an iterator) was otherwise freed by a garbage collection that happened to run in a
    later module's server thread, and that module failed with "is being dropped on another
    thread" (an unraisable exception, an error here)."""
    yield
    gc.collect()


#: Debian's chromium (``.ci/run`` installs it); Playwright cannot download browsers here.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


@pytest.fixture(scope="session")
def browser():
    """One chromium for every browser test of the session, driven by Playwright's sync API.

    One, because that API runs an event loop on the main thread for as long as it is open: a
    second ``sync_playwright()`` started while a session-long one is alive fails ("using
    Playwright Sync API inside the asyncio loop"), so suites that each opened their own passed
    alone and failed in some orders. Each test or module takes its own context from it. A
    missing chromium fails (a browser test is never skipped)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
