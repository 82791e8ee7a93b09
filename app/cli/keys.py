"""`hearth keys set|list|rm`: API keys, kept in the OS keychain (never printed)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from app.cli.common import read_stdin
from app.core.errors import HearthError

# The keychain is imported when `hearth keys` runs, not with the parser.
if TYPE_CHECKING:
    from app.services import Services


def add_keys_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    keys = sub.add_parser("keys", parents=[common], help="API keys, kept in the OS keychain")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    key_set = keys_sub.add_parser("set", parents=[common], help="store a key (read from stdin)")
    key_set.add_argument("provider")
    keys_sub.add_parser("list", parents=[common], help="providers that have a key (never the key)")
    key_rm = keys_sub.add_parser("rm", parents=[common], help="remove a provider's key")
    key_rm.add_argument("provider")


async def cmd_keys(services: Services, args: argparse.Namespace) -> int:
    import getpass

    from app import secrets
    from app.providers.registry import get_provider

    if args.keys_command == "list":
        for provider_id in secrets.providers_with_keys():
            print(f"{provider_id}\t{secrets.key_source(provider_id)}")
        return 0
    spec = get_provider(args.provider)
    if args.keys_command == "rm":
        secrets.delete_key(spec.id)
        print(f"Removed the key for {spec.display_name}.")
        return 0
    if sys.stdin.isatty():
        key = getpass.getpass(f"Paste your {spec.display_name} key (it will not show): ")
    else:
        key = read_stdin(line=True)
    if not key.strip():
        raise HearthError("No key was given.", action="Paste the key when asked.")
    secrets.set_key(spec.id, key)
    print(f"Stored the key for {spec.display_name} in {secrets.keychain_name()}.")
    return 0
