"""The framework-free core: plain Python and numpy, never Django.

Everything here is a pure function over dataclasses and arrays, tested without a
database. A test (tests/core/test_core_is_framework_free.py) guards that no module
in this package imports Django.
"""
