"""One simulation of Discord for running the real bot without the network.

Payload builders (``payloads``, ``world``, ``components``) describe guilds, members, messages and
interactions the way Discord sends them. ``network`` replaces discord.py's HTTP entry points,
``recorder`` answers the replaced requests with realistic Discord JSON, and ``dispatch`` feeds
gateway events through discord.py's own parsers. Every use of private discord.py API by the
console, the benchmark and the tests lives in this package, so a discord.py upgrade breaks one place.
"""
