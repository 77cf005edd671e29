"""`make bench`: the app served as in production and measured under HTTP load (bench/run.py)."""
