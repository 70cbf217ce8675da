"""Comparisons with third-party reference implementations (marked ``references``)."""
