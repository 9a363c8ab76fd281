"""The ASGI application uvicorn serves: `uvicorn app.asgi:app`."""

import gc

from app.main import create_app

app = create_app()

# The garbage collector's pauses stop every live meeting on this worker. Measured
# with 2,000 sockets open (bench/bench_live.py): a full pass walked about 500,000
# objects and took 250 to 420 ms, and ran every few seconds, because the default
# young-generation threshold (700 allocations) promotes the objects of every request
# still awaiting the database to the old generation. So: what importing made
# (modules, classes, the ORM's mappings) lives as long as the process and is frozen
# out of every pass; and young passes come every 20,000 allocations, so short-lived
# objects die before promotion. Full passes then became rare (none in the bench's
# 10-second steady run). Here, not in create_app(): the tests build many apps.
gc.collect()  # what is garbage already is not frozen for ever
gc.freeze()
gc.set_threshold(20_000, 10, 10)
