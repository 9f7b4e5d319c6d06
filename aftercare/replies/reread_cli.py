"""`aftercare replies reread`: re-read stored replies after the reader improves."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from sqlalchemy import select

from aftercare.db.models import Reply
from aftercare.db.session import transaction
from aftercare.replies.reading import READER_VERSION

if TYPE_CHECKING:
    from aftercare.container import CommandContext


@click.command("reread", help="Re-read stored replies with the current reader; old readings "
                              "are kept in their history.")
@click.option("--all", "everything", is_flag=True,
              help="also replies already read by this reader version")
@click.pass_obj
def reread(obj: CommandContext, everything: bool) -> None:
    from aftercare.replies.processing import reread as reread_one

    container = obj.container
    with container.sessions() as session:
        query = select(Reply.id).where(Reply.keyword.is_(None)).order_by(Reply.id)
        if not everything:
            query = query.where((Reply.reader_version != READER_VERSION)
                                | Reply.reader_version.is_(None))
        ids = session.scalars(query).all()
    changed = 0
    for reply_id in ids:
        with transaction(container.sessions) as session:
            changed += reread_one(session, reply_id=reply_id, plans=container.plans,
                                  settings=container.settings, now=container.clock(),
                                  queue=container.queue)
    click.echo(f"re-read {len(ids)} replies; {changed} readings changed")
