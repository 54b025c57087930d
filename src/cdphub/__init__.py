"""cdphub: the platform England's Combating Drugs Partnerships and central government run on."""

import os

__version__ = "0.1.0"

# Polars allocates with jemalloc, which by default keeps memory it has freed for ten seconds,
# in an arena per thread. A data load frees and allocates a batch's worth of rows many times
# over (``outcomes.loading``), so what it kept would count towards the load's peak: one arena,
# handing freed pages back after a fifth of a second, keeps a 100 MB file's load well under
# 300 MB. jemalloc reads this when Polars is first imported, so it is set here, before any
# module imports Polars (a value already in the environment is left alone).
os.environ.setdefault("_RJEM_MALLOC_CONF", "narenas:1,dirty_decay_ms:200,muzzy_decay_ms:0")
