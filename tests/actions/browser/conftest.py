"""The browser tests' fixtures (tests/e2e/conftest.py), scoped to this package so the
browser closes before the other action tests run."""

from tests.e2e.conftest import chromium, chromium_path, server  # noqa: F401
