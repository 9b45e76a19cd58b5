# ruff: noqa: E501 - one question a line reads as a table
"""The /ask question set (one question a line, however long): each question with the intent it must be read as and the facts its answer
must hold (`must`, case aside), must not hold (`never`) and must cite (`cites`: entry keys of
tests.cogs.ask_stories, each as `#id`). Written from what a reader would expect, not from the code:
the README reports the share answered correctly and lists the ones missed."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.questions import Intent

NOT_KNOWN = "Not known"


@dataclass(frozen=True, slots=True)
class Q:
    question: str
    intent: Intent
    must: tuple[str, ...] = ()
    never: tuple[str, ...] = ()
    cites: tuple[str, ...] = ()
    # Asked in newsroom B instead of A.
    b: bool = False


I = Intent  # noqa: E741 - the table reads better short
# fmt: off
QUESTIONS: tuple[Q, ...] = (
    # ATACMS (the seed): under review, nothing announced about delivery.
    Q(
        "Has ATACMS been approved?",
        I.DECIDED,
        ("No:", "under review", "no decision has been announced"),
        cites=("review",),
    ),
    Q("Is ATACMS approved yet?", I.DECIDED, ("No:", "under review"), cites=("review",)),
    Q("Did the US decide to send ATACMS?", I.DECIDED, ("No:", "under review"), cites=("review",)),
    Q("Has Washington agreed to supply atacms to Ukraine?", I.DECIDED, ("No:", "under review")),
    Q("Has ATACMS been declined?", I.DECIDED, ("No:", "under review")),
    Q("Is ATACMS on hold?", I.DECIDED, ("No:", "under review")),
    Q("What is the status of ATACMS?", I.STATUS, ("under review", "no delivery has been announced"), cites=("review",)),
    Q("Where does the ATACMS story stand?", I.STATUS, ("under review",), cites=("review",)),
    Q("atacms", I.STATUS, ("under review",), cites=("review",)),
    Q("Whats the latest on the army tactical missile system?", I.STATUS, ("under review",)),
    Q("status of atcms", I.STATUS, ("under review",), cites=("review",)),
    Q("Any update on long-range missiles for Ukraine?", I.STATUS, ("under review",)),
    Q(
        "Have ATACMS been delivered to Ukraine?",
        I.DELIVERED,
        ("No:", "no delivery has been announced"),
        cites=("review",),
    ),
    Q("Has any ATACMS arrived in Ukraine?", I.DELIVERED, ("No:",)),
    Q("Is there a date for ATACMS delivery?", I.DELIVERED, ("no delivery has been announced",)),
    Q("Who said what about ATACMS?", I.STATEMENTS, ("4 statements", "Kirby"), cites=("kirby",)),
    Q("What have officials said about atacms?", I.STATEMENTS, ("Kirby",), cites=("kirby",)),
    Q(
        "What did John Kirby say?",
        I.SPEAKER,
        ("Strategic Communications Coordinator", "has not committed"),
        cites=("kirby",),
    ),
    Q("What did Kirby say about ATACMS?", I.SPEAKER, ("has not committed",), cites=("kirby",)),
    Q("What did Kirbey say?", I.SPEAKER, ("John Kirby",), cites=("kirby",)),
    Q(
        "What has the State Department said?",
        I.SPEAKER,
        ("Matthew Miller", "Spokesman", "still evaluating"),
        cites=("miller",),
    ),
    Q("what did matthew miller say on atacms", I.SPEAKER, ("still evaluating",), cites=("miller",)),
    Q("What did the spokesman say about ATACMS?", I.SPEAKER, ("Matthew Miller",), cites=("miller",)),
    Q("What did Zelensky say about ATACMS?", I.SPEAKER, ("hoped to secure",), cites=("zelensky",)),
    Q("What did the President of Ukraine say?", I.SPEAKER, ("Zelensky", "hoped to secure"), cites=("zelensky",)),
    Q("What did the former fighter say?", I.SPEAKER, ("hostilities",), cites=("fighter",)),
    Q("What did the Pentagon say about ATACMS?", I.SPEAKER, (NOT_KNOWN,), never=("Arizona", "under way")),
    Q("Who is Kirby?", I.SPEAKER, ("Strategic Communications Coordinator",), cites=("kirby",)),
    Q("What is the range of ATACMS?", I.BACKGROUND, ("300 kilometers",)),
    Q("How far can ATACMS fly?", I.BACKGROUND, ("300 kilometers",)),
    Q("What launcher fires ATACMS?", I.BACKGROUND, ("HIMARS",)),
    Q("What is ATACMS fired from?", I.BACKGROUND, ("HIMARS",)),
    Q("How much does an ATACMS missile cost?", I.BACKGROUND, (NOT_KNOWN,), never=("300 kilometers",)),
    Q("Who manufactures ATACMS?", I.BACKGROUND, (NOT_KNOWN,)),
    Q(
        "When is the Zelensky–Biden conversation expected?",
        I.WHEN,
        ("date not announced", "anticipated"),
        cites=("call",),
    ),
    Q("When will Zelensky and Biden talk about ATACMS?", I.WHEN, ("date not announced",), cites=("call",)),
    Q("When did Kyiv hope to get ATACMS?", I.WHEN, ("autumn 2023",), cites=("window",)),
    Q("When was ATACMS approved?", I.WHEN, (NOT_KNOWN, "under review")),
    Q("When will ATACMS be delivered?", I.WHEN, (NOT_KNOWN,)),
    Q("What is expected next on ATACMS?", I.EXPECTED, ("Window Kyiv hoped for",), cites=("window",)),
    Q("What's next for ATACMS?", I.EXPECTED, ("Window Kyiv hoped for", "Zelensky–Biden conversation")),
    Q("Anything upcoming for atacms?", I.EXPECTED, ("Window Kyiv hoped for",)),
    Q("Show me the ATACMS timeline", I.TIMELINE, ("7 entries",)),
    Q("atacms chronology", I.TIMELINE, ("7 entries",)),
    Q("What changed on ATACMS since 1 Sep 2023?", I.SINCE, ("since 1 Sep 2023",)),
    Q("What's new on atacms since Oct 2023?", I.SINCE, ("since Oct 2023",)),
    # F-16 jets: approved, partly delivered, a corrected statement, a retracted and an undone one.
    Q("Has the F-16 transfer been approved?", I.DECIDED, ("Yes:", "approved"), cites=("f16_approved",)),
    Q("Are fighter jets approved for Ukraine?", I.DECIDED, ("Yes:",), cites=("f16_approved",)),
    Q("Have the F-16s been delivered?", I.DELIVERED, ("Partly:", "6 of 45 jets"), cites=("f16_partly",)),
    Q("How many F-16s have been delivered?", I.DELIVERED, ("6 of 45 jets",), cites=("f16_partly",)),
    Q("What's the status of the F16 jets?", I.STATUS, ("approved", "partly delivered")),
    Q("f-16 status", I.STATUS, ("approved", "partly delivered")),
    Q("What did Blinken say about F-16s?", I.SPEAKER, ("Secretary of State", "Danish and Dutch"), cites=("blinken",)),
    Q(
        "What has the Pentagon said?",
        I.SPEAKER,
        ("Lloyd Austin", "Arizona"),
        never=("Christmas", "squadrons"),
        cites=("austin",),
    ),
    Q(
        "What did Lloyd Austin say?",
        I.SPEAKER,
        ("has begun in Arizona",),
        never=("Christmas", "under way", "squadrons"),
    ),
    Q("What did the Secretary of Defense say about fighter jets?", I.SPEAKER, ("Arizona",), cites=("austin",)),
    Q("Who said what about F-16 jets?", I.STATEMENTS, ("2 statements", "Arizona"), never=("Christmas",)),
    Q("Who said F-16 training has begun?", I.STATEMENTS, ("Arizona",)),
    Q("Did Austin say F-16s would arrive by Christmas?", I.SPEAKER, ("Arizona",), never=("Christmas",)),
    Q("When will the first F-16 combat missions happen?", I.WHEN, ("autumn 2024", "scheduled"), cites=("missions",)),
    Q("When did Ukrainian pilots complete F-16 training?", I.WHEN, ("May 2024",)),
    Q("When was the F-16 transfer approved?", I.WHEN, ("17 Aug 2023",), cites=("f16_approved",)),
    Q("When were F-16s delivered?", I.WHEN, ("Aug 2024",), cites=("f16_partly",)),
    Q("What's expected next for the F-16 jets?", I.EXPECTED, ("First F-16 combat missions",), cites=("missions",)),
    Q("What kind of aircraft is the F-16?", I.BACKGROUND, ("multirole fighter",)),
    Q("Where do Ukrainian pilots train on the F-16?", I.BACKGROUND, ("Denmark",)),
    Q("What is the range of the F-16?", I.BACKGROUND, (NOT_KNOWN,), never=("300 kilometers",)),
    Q("F-16 timeline", I.TIMELINE, ("entries",), never=("Christmas", "squadrons")),
    Q("What changed on the F-16s since June 2024?", I.SINCE, ("Aug 2024",), never=("17 Aug 2023",)),
    # Abrams: approved and delivered in full.
    Q("Have the Abrams tanks been delivered?", I.DELIVERED, ("Yes:", "delivered in full"), cites=("abrams_delivered",)),
    Q("Has Abrams been approved?", I.DECIDED, ("Yes:",), cites=("abrams_approved",)),
    Q("How many Abrams tanks were delivered?", I.DELIVERED, ("31 of 31 tanks",)),
    Q("What is the status of the M1 Abrams?", I.STATUS, ("approved", "delivered in full")),
    Q("What did Biden say about the Abrams?", I.SPEAKER, ("enduring commitment",), cites=("biden",)),
    Q("What did the White House say?", I.SPEAKER, ("Joe Biden",), cites=("biden",)),
    Q("What did Reznikov say?", I.SPEAKER, ("reinforce our brigades",), cites=("reznikov",)),
    Q("What did Reznikov say about F-16s?", I.SPEAKER, (NOT_KNOWN,), never=("brigades",)),
    Q("What did Kirby say about the Abrams?", I.SPEAKER, (NOT_KNOWN,), never=("has not committed",)),
    Q("When did the Abrams arrive in Ukraine?", I.WHEN, ("Sep 2023",), cites=("abrams_delivered",)),
    Q("When was the Abrams decision made?", I.WHEN, ("25 Jan 2023",), cites=("abrams_approved",)),
    Q("What kind of gun does the Abrams have?", I.BACKGROUND, ("120 mm",)),
    Q("What's next for the Abrams tanks?", I.EXPECTED, ("Nothing is logged as expected",)),
    Q("Abrams chronology", I.TIMELINE, ("4 entries",)),
    Q("What happened to the Abrams since Sep 2023?", I.SINCE, ("since Sep 2023", "arrived")),
    # Nothing in the store answers these: the honest answer is "not known".
    Q("What is the status of Leopard tanks?", I.STATUS, (NOT_KNOWN,)),
    Q("Has Germany approved Taurus missiles?", I.DECIDED, (NOT_KNOWN,), never=("under review",)),
    Q("Has Ukraine received Gripen jets?", I.DELIVERED, (NOT_KNOWN,), never=("Partly",)),
    Q("When will the war end?", I.WHEN, (NOT_KNOWN,)),
    Q("Who will win the election?", I.STATUS, (NOT_KNOWN,)),
    # Another newsroom's story is never an answer, either way.
    Q("What did Olaf Scholz say?", I.STATUS, (NOT_KNOWN,), never=("third Patriot", "Scholz said")),
    Q("What is the status of the Patriot?", I.STATUS, (NOT_KNOWN,), never=("third Patriot",)),
    Q("Has ATACMS been approved?", I.DECIDED, (NOT_KNOWN,), never=("under review", "Kirby"), b=True),
    Q("What did Kirby say?", I.STATUS, (NOT_KNOWN,), never=("has not committed", "Strategic"), b=True),
    Q("Have the Abrams tanks been delivered?", I.DELIVERED, (NOT_KNOWN,), never=("31",), b=True),
    Q("Is the Patriot approved?", I.DECIDED, ("Yes:",), cites=("patriot_approved",), b=True),
    Q("What did Scholz say?", I.SPEAKER, ("third Patriot",), cites=("scholz",), b=True),
    # Written after the code was first scored, and left as they score: a check on the rules above.
    Q("Is the ATACMS decision still pending?", I.DECIDED, ("under review",)),
    Q("Has Biden committed to sending ATACMS?", I.DECIDED, ("No:", "under review")),
    Q("What did the Ministry of Defence of Ukraine say about the Abrams?", I.SPEAKER, ("Reznikov",)),
    Q("Give me the history of the F-16 story", I.TIMELINE, ("entries",)),
    Q("When did the first F-16s arrive?", I.WHEN, ("Aug 2024",)),
    Q("How many ATACMS have been delivered?", I.DELIVERED, ("no delivery has been announced",)),
    Q("What did Antony Blinken say about ATACMS?", I.SPEAKER, (NOT_KNOWN,)),
    Q("Tell me about the Abrams tanks", I.STATUS, ("approved", "delivered in full")),
    Q("Are the Abrams tanks in Ukraine yet?", I.DELIVERED, ("Yes:",)),
    Q("What is happening with the Patriot systems?", I.STATUS, (NOT_KNOWN,), never=("third Patriot",)),
    Q("What's the latest statement on F-16s?", I.STATEMENTS, ("Arizona",)),
    Q("When is the next ATACMS decision expected?", I.WHEN, (NOT_KNOWN, "under review")),
)
# fmt: on
