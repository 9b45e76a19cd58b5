"""The daily digest's Discord side: rendering, posting and the editor-facing views.

`render` packs a digest into messages within Discord's limits, `delivery` is the runner's Poster
through discord.py, `views` renders editor-facing embeds and `options` cleans command input. The
rules are in `bot.core.digest_rules`, the use cases and the scheduler's runner in `bot.services`.
"""
