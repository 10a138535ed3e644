"""`sovereign serve`: the owner's desk, a local web page to read the drafts and decide them (extra `web`)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer

from sovereign_graph.cli.common import app, cli_errors, err, out, require_web_extra
from sovereign_graph.cli.runs import DbOption
from sovereign_graph.errors import InputError
from sovereign_graph.home import is_postgres_url


def _listening_socket(host: str, port: int) -> socket.socket:
    """Bound before the server starts, so a taken port is one clear line and port 0 tells its real number."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise InputError(f"--host {host}: {error.strerror or error}.") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {error.strerror or error} (pick another --port).") from None
    sock.listen(64)
    return sock


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; beyond loopback every decision needs the token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: any free one).")] = 8765,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Where a decided thread's report files go [default: where its draft went]."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="SOVEREIGN_DESK_TOKEN",
            help="Access token every decision must carry, and beyond loopback every reading too "
            "[default: none on loopback; generated otherwise].",
        ),
    ] = None,
    public_read: Annotated[
        bool,
        typer.Option(
            "--public-read", help="Beyond loopback, let anyone who reaches the desk read it (decisions need the token)."
        ),
    ] = False,
) -> None:
    """The owner's desk: list the threads, read a draft, approve, reject or revise it in a browser."""
    with cli_errors():
        require_web_extra()
        import uvicorn

        from sovereign_graph.cli.runs import check_places
        from sovereign_graph.desk.app import create_app
        from sovereign_graph.desk.security import is_loopback, new_token
        from sovereign_graph.desk.store import shown_db

        if out_dir is not None:
            out_dir = out_dir.resolve()
        if db is not None and not is_postgres_url(db) and not Path(db).exists():
            raise InputError(f"--db {db}: no such database (start a run with: sovereign run --db {db} ...).")
        check_places(db, out_dir)
        loopback = is_loopback(host)
        if token is not None and len(token) < 8:
            raise InputError("--token: at least 8 characters.")
        generated = token is None and not loopback
        token = new_token() if generated else token
        application = create_app(db, out_dir=out_dir, token=token, loopback=loopback, public_read=public_read)
        sock = _listening_socket(host, port)
        bound = sock.getsockname()[1]
        shown_host = f"[{host}]" if ":" in host else host
        # Plain text: "[::1]" is an address, not rich markup.
        say = f"sovereign desk on http://{shown_host}:{bound}/ · database {shown_db(db)} · Ctrl-C stops it"
        out.print(say, highlight=False, markup=False)
        needs = "decisions need" if loopback or public_read else "reading and decisions need"
        if generated:
            out.print(f"{needs} this access token (shown once): {token}", highlight=False, markup=False)
        elif not loopback:
            out.print(f"{needs} the access token given with --token", highlight=False, markup=False)
        if not loopback and not public_read:
            out.print(
                f"open it once as http://{shown_host}:{bound}/?token=TOKEN (it then keeps a cookie)",
                highlight=False,
                markup=False,
            )
        config = uvicorn.Config(application, log_level="warning", access_log=False, server_header=False)
        server = uvicorn.Server(config)
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()
        err.print("desk stopped.", highlight=False)
