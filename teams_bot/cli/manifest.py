"""``drp-bot manifest``: build the Teams app package or print its manifest."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from teams_bot.cli.errors import CliError
from teams_bot.manifest import DEFAULT_VERSION, ManifestError, build_manifest, write_package


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``manifest build`` and ``manifest show``."""
    parser = subparsers.add_parser(
        "manifest",
        help="build the Teams app package (manifest.json and icons)",
        description="Build the Teams app package that an administrator uploads to Teams.",
    )
    actions = parser.add_subparsers(dest="manifest_command", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="write the app package zip")
    _add_manifest_options(build)
    build.add_argument(
        "--out", required=True, type=Path, metavar="FILE.zip", help="where to write the package"
    )
    build.set_defaults(handler=_build)
    show = actions.add_parser("show", help="print the manifest JSON")
    _add_manifest_options(show)
    show.set_defaults(handler=_show)


def _add_manifest_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app-id", required=True, metavar="ID", help="the Teams app id (a GUID)")
    parser.add_argument(
        "--bot-id", metavar="ID", help="the bot's Microsoft App ID (default: the app id)"
    )
    parser.add_argument(
        "--domain", metavar="HOST", help="the bot's public host name, e.g. drp.example.gov.uk"
    )
    parser.add_argument(
        "--version",
        default=DEFAULT_VERSION,
        metavar="X.Y.Z",
        help=f"the app version; raise it for every upload (default: {DEFAULT_VERSION})",
    )
    parser.add_argument("--name", metavar="NAME", help="the short app name shown in Teams")


def _build(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() != ".zip":
        raise CliError(f"--out: the app package must be a .zip file, got {str(args.out)!r}")
    manifest = _manifest(args)
    try:
        path = write_package(manifest, args.out)
    except OSError as error:
        raise CliError(f"--out: cannot write {str(args.out)!r}: {error.strerror}") from error
    print(f"wrote {path}: Teams app {manifest['id']} version {manifest['version']}")
    return 0


def _show(args: argparse.Namespace) -> int:
    print(json.dumps(_manifest(args), indent=2, ensure_ascii=False))
    return 0


def _manifest(args: argparse.Namespace) -> dict[str, Any]:
    try:
        return build_manifest(
            args.app_id,
            bot_id=args.bot_id,
            version=args.version,
            domain=args.domain,
            name=args.name,
        )
    except ManifestError as error:
        raise CliError(f"--{error.field.replace('_', '-')}: {error}") from error
