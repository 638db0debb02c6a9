from tests.catalog.api.conftest import user, world  # noqa: F401 - the same small catalog for the pages
