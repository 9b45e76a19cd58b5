"""Newsdesk benchmark: synthetic newsrooms at scale, the real bot's dispatch, and a raw-SQL lower bound.

Run it from the repository root as ``python -m bench`` (``--small`` for the CI profile); it is not
part of the installed package. Modules:

- ``profiles``: how much data and how many iterations each profile uses.
- ``synth``: deterministic synthetic content (texts of realistic lengths, fuzzy dates of mixed precision).
- ``dataset``: the plan (newsrooms, topics, editors) the measurements pick their targets from.
- ``documents``: each newsroom's history as an export document (the format ``newsdesk export`` writes).
- ``bulk``: loading, through ``newsdesk import``'s own function, one document per newsroom.
- ``gateway``: a NewsBot brought up offline, interaction payloads, and a recorder in place of the network.
- ``raw``: the same rows fetched with one hand-written query through the raw driver.
- ``measure``: latency runs, the event-loop monitor, write throughput.
- ``memory``: resident size after GUILD_CREATE events (run in a subprocess).
- ``report``: JSON and Markdown output.
"""
