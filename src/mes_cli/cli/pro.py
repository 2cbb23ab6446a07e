"""`mes server pro …`: a health professional's side, for scripts, CI and the demo (reference server only)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..i18n import _
from .context import AppContext
from .options import FormatOpt

pro_app = typer.Typer(help="Act as a health professional (admin token): write, attach, read documents, close.",
                      no_args_is_help=True)
RppsOpt = Annotated[str, typer.Option("--rpps", help="The professional's RPPS number (in the directory: "
                                                     "`mes pros search`)")]
TokenOpt = Annotated[Optional[str], typer.Option("--admin-token", envvar="MES_ADMIN_TOKEN", show_envvar=False,
                                                 help="The server's admin token [env MES_ADMIN_TOKEN]")]
ConversationArg = Annotated[str, typer.Argument(help="Conversation id")]


def _app(ctx: typer.Context, token: str | None) -> AppContext:
    app: AppContext = ctx.obj
    app.use_admin_token(token)
    return app


def _uploads(app: AppContext, rpps: str, profile: str, paths: list[Path] | None) -> list[str]:
    return [app.client.pro_upload_attachment(rpps, profile, path).id for path in paths or []]


@pro_app.command("start")
def start(
    ctx: typer.Context,
    rpps: RppsOpt,
    to: Annotated[str, typer.Option("--to", help="The person's NIR or profile id")],
    subject: Annotated[str, typer.Option("--subject", help="Subject")],
    body: Annotated[str, typer.Option("--body", "-m", help="The message")],
    attach: Annotated[Optional[list[Path]], typer.Option("--attach", help="Files to attach")] = None,
    admin_token: TokenOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Start a conversation with a person (they are notified by e-mail)."""
    from ..contract import models as m

    app = _app(ctx, admin_token)
    conversation = app.client.pro_start(rpps, m.ProConversationIn(profile=to, subject=subject, body=body,
                                                                  attachment_ids=_uploads(app, rpps, to, attach)))
    app.say(_("✓ conversation {id} started").format(id=conversation.id))
    app.emit(conversation, fmt)


@pro_app.command("write")
def write(
    ctx: typer.Context,
    conversation_id: ConversationArg,
    rpps: RppsOpt,
    body: Annotated[str, typer.Option("--body", "-m", help="The message")],
    attach: Annotated[Optional[list[Path]], typer.Option("--attach", help="Files to attach")] = None,
    admin_token: TokenOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Write in a conversation."""
    from ..contract import models as m

    app = _app(ctx, admin_token)
    profile = app.client.pro_conversation(rpps, conversation_id).profile_id
    conversation = app.client.pro_write(rpps, conversation_id, m.ProMessageIn(
        body=body, attachment_ids=_uploads(app, rpps, profile, attach)))
    app.emit(conversation.messages[-1], fmt)


@pro_app.command("close")
def close(ctx: typer.Context, conversation_id: ConversationArg, rpps: RppsOpt, admin_token: TokenOpt = None,
          fmt: FormatOpt = None) -> None:
    """Close a conversation: the person can no longer reply."""
    app = _app(ctx, admin_token)
    app.emit(app.client.pro_close(rpps, conversation_id), fmt)
    app.say(_("✓ {id} closed").format(id=conversation_id))


@pro_app.command("send-doc")
def send_doc(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="HL7 CDA R2 documents (.xml) or IHE XDM archives (.zip)",
                                                show_default=False)],
    rpps: RppsOpt,
    to: Annotated[str, typer.Option("--to", help="The person's NIR or profile id")],
    admin_token: TokenOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Send documents to a person's space as a professional's software does: the patient in each
    document must be that person; a new version replaces the previous one; an XDM deletion request removes it."""
    from .health_docs import say_filed

    app = _app(ctx, admin_token)
    filed = []
    for path in files:
        for item in app.client.pro_send_documents(rpps, to, path).documents:
            target = f" → {item.document.id}" if item.document else ""
            say_filed(app, f"✓ {path.name}: « {item.title} »{target} ({item.status})", item.vaccinations,
                      item.notes)
            filed.append(item)
    app.emit(filed, fmt, columns=["status", "title", "document.id", "document.category", "document.type_code",
                                  "document.document_date", "previous_id"])


@pro_app.command("docs")
def docs(ctx: typer.Context, rpps: RppsOpt,
         profile: Annotated[str, typer.Option("--of", help="The person's NIR or profile id")],
         admin_token: TokenOpt = None, fmt: FormatOpt = None) -> None:
    """List the documents a professional may see (not hidden); recorded in the person's history."""
    app = _app(ctx, admin_token)
    app.emit(app.client.pro_documents(rpps, profile).documents, fmt,
             columns=["id", "title", "category", "document_date", "media_type", "size"])


@pro_app.command("read-doc")
def read_doc(ctx: typer.Context, document_id: Annotated[str, typer.Argument(help="Document id")], rpps: RppsOpt,
             profile: Annotated[str, typer.Option("--of", help="The person's NIR or profile id")],
             output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the bytes")],
             admin_token: TokenOpt = None) -> None:
    """Read a document as a professional would; recorded in the person's history."""
    app = _app(ctx, admin_token)
    output.write_bytes(app.client.pro_read_document(rpps, profile, document_id))
    app.say(f"✓ {output}")
