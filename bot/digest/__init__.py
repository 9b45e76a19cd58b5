"""The daily digest: scheduling math, content, rendering and the exactly-once delivery service.

Pure modules (`schedule`, `content`, `render`, `options`) hold no I/O; `delivery` talks to Discord and
`service` ties both to the database functions in `db.digests`.
"""
