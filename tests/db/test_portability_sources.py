"""Export/import carry sources, unsourced reasons, background fact ids and summary dates; documents
written before them import with the honest defaults."""

from __future__ import annotations

import copy
from pathlib import Path

from bot.core.sourcing import NOT_RECORDED
from db.engine import Database
from db.models import Entry, Topic
from db.portability import dumps, export_newsroom, import_newsroom
from tests.conftest import drop_database, make_database
from tests.db.test_portability import as_json, backend_of
from tests.harness import GUILD_A_ID
from tests.newsroom import Desk


async def _copy_of(desk: Desk, tmp_path: Path) -> tuple[Database, str | None]:
    return await make_database(backend_of(desk.database), tmp_path / "copy")


async def test_new_fields_survive_export_import_export_byte_for_byte(desk: Desk, tmp_path: Path) -> None:
    h = desk.harness
    await h.slash("log event", {"topic": "atacms", "headline": "Visit", "unsourced": "Seen by our reporter"})
    await h.slash("topic fact add", {"topic": "atacms", "text": "A fact.", "source": "AP", "url": "https://ap.org/x"})
    await h.slash("topic fact remove", {"topic": "atacms", "fact": "#1", "reason": "Outdated"})
    first = dumps(as_json(await export_newsroom(desk.database, guild_id=GUILD_A_ID)))
    assert '"unsourced_reason": "Seen by our reporter"' in first and '"fact_seq": 4' in first
    assert '"summary_updated_at": "' in first
    copy_db, schema = await _copy_of(desk, tmp_path)
    try:
        await import_newsroom(copy_db, as_json(await export_newsroom(desk.database, guild_id=GUILD_A_ID)))
        assert dumps(as_json(await export_newsroom(copy_db, guild_id=GUILD_A_ID))) == first
    finally:
        await drop_database(copy_db, schema)


async def test_a_document_from_before_sources_were_required_imports_honestly(desk: Desk, tmp_path: Path) -> None:
    document = as_json(await export_newsroom(desk.database, guild_id=GUILD_A_ID))
    old = copy.deepcopy(document)
    for entry in old["entries"]:
        del entry["unsourced_reason"]
    old["entries"][0]["source_name"] = ""
    for topic in old["topics"]:
        del topic["fact_seq"], topic["summary_updated_at"]
        topic["background"] = [{"fact": f["fact"], "source": f["source"]} for f in topic["background"]]
    old["topics"][0]["background"].append({"fact": "No source here."})
    copy_db, schema = await _copy_of(desk, tmp_path)
    try:
        await import_newsroom(copy_db, old)
        async with copy_db.read() as session:
            first = await session.get(Entry, old["entries"][0]["id"])
            second = await session.get(Entry, old["entries"][1]["id"])
            topic = await session.get(Topic, old["topics"][0]["id"])
        assert first is not None and second is not None and topic is not None
        assert (first.source_name, first.unsourced_reason) == ("", NOT_RECORDED)
        assert second.unsourced_reason is None and second.source_name
        assert [f["id"] for f in topic.background] == [1, 2, 3, 4] and topic.fact_seq == 4
        assert topic.background[-1]["unsourced"] == NOT_RECORDED and topic.summary_updated_at is None
    finally:
        await drop_database(copy_db, schema)
