"""The page benchmark (``python -m benchmarks.pages``): every main page per role at 1 and 16
connections beside its database floor and a bare Litestar floor; see :mod:`.run`."""
