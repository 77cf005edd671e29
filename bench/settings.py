"""Settings of the benchmark: production's own (werkplek.settings, read from the same
environment), with one page added, the floor (bench/urls.py)."""

from werkplek.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
