"""Benchmark profiles: the data set's size and how many times each command is measured."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    newsrooms: int
    #: topics spread over the ordinary newsrooms (the long-timeline topic is one of them)
    topics: int
    #: every entry in the data set, the specials below included
    entries: int
    #: one extra newsroom with this many topics, for autocomplete and /topics at its worst
    autocomplete_topics: int
    #: one topic with this many entries, for the deep chronology page
    long_timeline: int
    #: measured dispatches per read command (after warm-up); 1000 keeps p99 to the 10th-slowest sample
    iterations: int
    warmup: int
    #: sequential /log dispatches for the single-writer latency
    write_iterations: int
    #: how long the concurrent writers run
    write_seconds: float
    writers: int
    #: GUILD_CREATE events fed to the memory probe
    guilds: int
    #: digest subscriptions due in the same minute
    digests: int
    #: members following a topic by DM, and the status changes fanned out to them (and channel alerts)
    followers: int = 0
    fanout_changes: int = 0


DEFAULT = Profile(
    name="default",
    newsrooms=1_000,
    topics=10_000,
    entries=1_000_000,
    autocomplete_topics=10_000,
    long_timeline=20_000,
    iterations=1_000,
    warmup=50,
    write_iterations=300,
    write_seconds=10.0,
    writers=4,
    guilds=10_000,
    digests=10_000,
    followers=10_000,
    fanout_changes=1_000,
)

# The CI profile: the same shape, small enough to finish well inside a minute on two cores.
SMALL = Profile(
    name="small",
    newsrooms=40,
    topics=400,
    entries=20_000,
    autocomplete_topics=2_000,
    long_timeline=3_000,
    iterations=60,
    warmup=5,
    write_iterations=40,
    write_seconds=2.0,
    writers=4,
    guilds=2_000,
    digests=200,
    followers=200,
    fanout_changes=100,
)
