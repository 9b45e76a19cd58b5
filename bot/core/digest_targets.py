"""Where a digest posts, and what posting there needs. Pure: the Discord layer maps channels to these.

- A text channel (or an announcement channel) gets the digest's messages; an announcement channel can
  also publish them to the servers following it (`publish`).
- A thread gets them inside the thread. Sending in an archived thread unarchives it; a locked one
  refuses, and the digest pauses with Discord's refusal as its reason.
- A forum gets a new post per digest: the first part opens the post (its starter message, whose id
  is the post's id), later parts are posted inside it. Discord takes no nonce when a post is created,
  so a retry finds a post that went through by its title, which is fixed per digest and period, and
  by the reference in its footer.
"""

from __future__ import annotations

import datetime as dt
import enum

FORUM_TITLE_MAX = 100  # Discord's limit on a thread name


class Target(enum.StrEnum):
    TEXT = "text"
    ANNOUNCEMENT = "announcement"
    THREAD = "thread"
    FORUM = "forum"
    DM = "dm"  # a member's direct messages (personal follows): `channel_id` is the member's user id


# What posting needs besides View Channel and Embed Links, in the words Discord's permission settings use.
POSTING = {
    Target.TEXT: (("send_messages", "Send Messages"),),
    Target.ANNOUNCEMENT: (("send_messages", "Send Messages"),),
    Target.THREAD: (("send_messages_in_threads", "Send Messages in Threads"),),
    # In a forum, Send Messages is what Discord's settings call "Create Posts".
    Target.FORUM: (("send_messages", "Create Posts"), ("send_messages_in_threads", "Send Messages in Posts")),
}
# Publishing (crossposting) its own message needs nothing more than Send Messages, which an
# announcement channel target already requires; only publishing others' messages needs Manage Messages.


def forum_title(subscription_id: int, day: dt.date) -> str:
    """The title of a digest's forum post: one per digest and period, so a retry can find it."""
    return f"Newsdesk digest #{subscription_id} \N{EM DASH} {day.day} {day:%b %Y}"[:FORUM_TITLE_MAX]
