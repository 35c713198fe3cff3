"""Plain helpers for the tests and the bench scripts: import them, never fixtures.

Fixtures live in conftest.py files (the shared ones in tests/conftest.py); these modules
hold the code behind them, so a bench script can start the same servers as a test.
"""
