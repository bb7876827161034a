"""The four services in process on one Redis, as the erasure tests run them."""

from tests.integration.test_erasure import office  # noqa: F401  (a fixture)
