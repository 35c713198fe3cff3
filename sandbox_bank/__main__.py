"""`python -m sandbox_bank [--host 127.0.0.1] [--port N] [--config FILE]`."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from werkzeug.serving import make_server

from . import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox_bank",
                                     description="Sandbox bank (not a real bank).")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BANK_PORT", "5001")),
                        help="port (default $BANK_PORT or 5001; 0 picks a free one)")
    parser.add_argument("--config", help="JSON settings file")
    args = parser.parse_args(argv)
    overrides = {"CONFIG_FILE": args.config} if args.config else None
    app = create_app(overrides)
    # Request lines only at warning level: URLs carry codes, never log them.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server(args.host, args.port, app, threaded=True)
    host = args.host if ":" not in args.host else f"[{args.host}]"
    print(f"SANDBOX_BANK_READY http://{host}:{server.server_port}", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print("warning: the sandbox bank listens beyond loopback", file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
