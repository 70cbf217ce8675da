"""Tandem: one lead funnel, one rulebook, one set of numbers."""

__version__ = "0.1.0"
