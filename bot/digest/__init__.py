"""The daily digest: scheduling math, content, rendering and the exactly-once delivery service.

Pure modules hold no I/O: `schedule` (local times across daylight saving), `content` (the net change
of each followed topic, from the audit log), `render` (messages within Discord's limits), `views`
(editor-facing embeds) and `options` (command input). `delivery` talks to Discord through discord.py;
`service` ties it to the database steps in `db.digests` and runs the scheduler's tick.
"""
