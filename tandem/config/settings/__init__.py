"""Default settings: the embedded SQLite instance for a laptop or the demo."""

from .base import *  # noqa: F403
