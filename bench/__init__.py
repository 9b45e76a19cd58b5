"""Newsdesk benchmark: synthetic newsrooms at scale, the real bot's dispatch, and a raw-SQL lower bound.

Run it as ``newsdesk bench`` or ``python -m bench`` (``--small`` for the CI profile). Modules:

- ``profiles``: how much data and how many iterations each profile uses.
- ``synth``: deterministic synthetic content (texts of realistic lengths, fuzzy dates of mixed precision).
- ``rows``: the column values the write path would store, built without the ORM.
- ``bulk``: fast loaders (sqlite3 ``executemany`` / asyncpg ``COPY``) and the dataset plan.
- ``equivalence``: proof that a bulk-loaded row equals what ``db.writes`` stores for the same draft.
- ``gateway``: a NewsBot brought up offline, interaction payloads, and a recorder in place of the network.
- ``raw``: the same rows fetched with one hand-written query through the raw driver.
- ``measure``: latency runs, the event-loop monitor, write throughput.
- ``memory``: resident size after GUILD_CREATE events (run in a subprocess).
- ``report``: JSON and Markdown output.
"""
