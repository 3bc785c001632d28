"""Command line: keyhost generate | site | serve | check | register."""

# ruff: noqa: T201  (a command line tool prints)

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
import logging
import os
from pathlib import Path
import ssl
import sys

from . import __version__
from .check import check_domain, key_url
from .keys import (
    PUBLIC_KEY_FILENAME,
    WELL_KNOWN_PATH,
    KeyFormatError,
    generate,
    read_key_file,
)
from .register import FLEET_URLS, TOKEN_URL, register_domain
from .serve import create_app, make_ssl_context, run_server
from .site import build_site, read_public_for_site
from .tesla import domain as tesla_domain


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def cmd_generate(args: argparse.Namespace) -> int:
    """Run `keyhost generate DIR [--force]`."""
    try:
        private_path, public_path = generate(Path(args.dir), force=args.force)
    except FileExistsError as err:
        _err(f"error: {err}")
        return 1
    print(public_path.read_text(encoding="ascii"), end="")
    print(
        f"\nPrivate key: {private_path} (mode 0600; keep it secret, never publish it)\n"
        f"Public key:  {public_path}\n\n"
        "Next steps:\n"
        f"  1. keyhost site SITE_DIR --key {public_path} [--domain example.com]\n"
        "     and publish SITE_DIR (GitHub Pages, Cloudflare Pages), or run\n"
        f"     keyhost serve --cert CERT --key TLSKEY --public-key {public_path}\n"
        f"  2. keyhost check example.com --local {public_path}\n"
        "  3. keyhost register --client-id ID --client-secret SECRET "
        "--domain example.com"
    )
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    """Run `keyhost site DIR [--key PUBLIC_PEM] [--domain D]`."""
    try:
        domain = (
            None if args.domain is None else tesla_domain.validate_domain(args.domain)
        )
        public_pem = read_public_for_site(Path(args.key))
        key_path = build_site(Path(args.dir), public_pem, domain)
    except (tesla_domain.InvalidDomainError, KeyFormatError, OSError) as err:
        _err(f"error: {err}")
        return 1
    print(f"Wrote {key_path}")
    print(f"Publish the folder {args.dir} at the root of your domain, then run:")
    print(f"  keyhost check {domain or 'YOUR-DOMAIN'} --local {args.key}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Run `keyhost serve --cert CERT --key TLSKEY --public-key PEM`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        app = create_app(read_key_file(Path(args.public_key)))
        context = make_ssl_context(Path(args.cert), Path(args.key))
    except (KeyFormatError, OSError, ssl.SSLError) as err:
        _err(f"error: {err}")
        return 1
    try:
        asyncio.run(run_server(app, context, args.host, args.port))
    except OSError as err:
        _err(f"error: cannot listen on {args.host}:{args.port}: {err}")
        return 1
    return 0


def _read_optional(path: str | None) -> bytes | None:
    """Read a small key file if a path is given."""
    return read_key_file(Path(path)) if path else None


async def _check(args: argparse.Namespace) -> int:
    try:
        local_pem = _read_optional(args.local)
    except (OSError, KeyFormatError) as err:
        _err(f"error: {err}")
        return 2
    context = None
    if args.cafile:
        context = ssl.create_default_context(cafile=args.cafile)
    with contextlib.suppress(tesla_domain.InvalidDomainError):  # explained below
        print(f"GET {key_url(args.domain, args.port)}")
    result = await check_domain(
        args.domain, port=args.port, local_pem=local_pem, ssl_context=context
    )
    if result.ok:
        print(f"OK: {result.message}")
    else:
        _err(f"FAIL [{result.code}]: {result.message}")
    return result.exit_code


async def _register(args: argparse.Namespace) -> int:
    try:
        local_pem = _read_optional(args.local)
    except (OSError, KeyFormatError) as err:
        _err(f"error: {err}")
        return 2
    fleet_urls = {"na": args.fleet_url_na, "eu": args.fleet_url_eu}
    return await register_domain(
        client_id=args.client_id,
        client_secret=args.client_secret,
        domain=args.domain,
        regions=args.region or ["na", "eu"],
        token_url=args.token_url,
        fleet_urls=fleet_urls,
        local_pem=local_pem,
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser."""
    parser = argparse.ArgumentParser(
        prog="keyhost",
        description=f"Generate, host, check and register the Tesla Fleet API "
        f"public key served at https://<domain>{WELL_KNOWN_PATH}.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("generate", help="create a prime256v1 key pair")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--force", action="store_true", help="replace an existing key")

    p = sub.add_parser("site", help="write a static site folder with the key")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--key", default=PUBLIC_KEY_FILENAME, metavar="PUBLIC_PEM")
    p.add_argument("--domain", help="custom domain (writes CNAME)")

    p = sub.add_parser("serve", help="serve the key over HTTPS")
    p.add_argument("--cert", required=True, help="TLS certificate chain (PEM)")
    p.add_argument("--key", required=True, help="TLS private key (PEM)")
    p.add_argument("--public-key", required=True, metavar="PEM")
    p.add_argument("--host", default="0.0.0.0")  # noqa: S104
    p.add_argument("--port", type=int, default=443)

    p = sub.add_parser("check", help="fetch and verify the key like Tesla does")
    p.add_argument("domain", metavar="DOMAIN")
    p.add_argument("--local", metavar="PEM", help="public or private key to compare")
    p.add_argument("--port", type=int, default=443, help=argparse.SUPPRESS)
    p.add_argument("--cafile", help=argparse.SUPPRESS)

    p = sub.add_parser("register", help="register the domain with Tesla")
    p.add_argument(
        "--client-id", default=os.environ.get("TESLA_CLIENT_ID"), required=False
    )
    p.add_argument(
        "--client-secret",
        default=os.environ.get("TESLA_CLIENT_SECRET"),
        help="or set TESLA_CLIENT_SECRET",
    )
    p.add_argument("--domain", required=True)
    p.add_argument("--region", action="append", choices=sorted(FLEET_URLS))
    p.add_argument("--local", metavar="PEM", help="compare Tesla's key with this")
    p.add_argument("--token-url", default=TOKEN_URL, help=argparse.SUPPRESS)
    p.add_argument("--fleet-url-na", default=FLEET_URLS["na"], help=argparse.SUPPRESS)
    p.add_argument("--fleet-url-eu", default=FLEET_URLS["eu"], help=argparse.SUPPRESS)
    return parser


async def amain(argv: Sequence[str] | None = None) -> int:
    """Run the async subcommands (check, register) inside a running loop."""
    args = build_parser().parse_args(argv)
    if args.command == "check":
        return await _check(args)
    if args.command == "register":
        if not args.client_id or not args.client_secret:
            _err("error: --client-id and --client-secret are required")
            return 2
        return await _register(args)
    raise SystemExit(f"use main() for {args.command}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = build_parser().parse_args(argv)
    if args.command == "generate":
        return cmd_generate(args)
    if args.command == "site":
        return cmd_site(args)
    if args.command == "serve":
        return cmd_serve(args)
    return asyncio.run(amain(argv))
