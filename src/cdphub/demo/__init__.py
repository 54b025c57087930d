"""The demo: synthetic data built on top of every other app (``cdphub demo``)."""
