"""factory_boy factories that build consistent object graphs for the tests (catalog: catalog.py, governance:
governance.py). Import from the module, e.g. ``from tests.factories.governance import TeamFactory``."""
