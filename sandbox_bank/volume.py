"""Volume generator for benchmarks: N users x M accounts x K statements from a fixed seed.

    python -m sandbox_bank.volume --users 50 --accounts 2 --statements 2000 --seed 7

prints (JSON) the settings fragment that makes the sandbox serve exactly these users, and
their logins and account ids per bank. The same numbers in the `VOLUME` setting rebuild the
same statements, item keys included."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from . import clock
from .data import seed as seed_data
from .profiles import default_profiles

LIMITS = {"users": 98_000, "accounts": 99, "statements": 1_000_000}


def volume_setting(users: int, accounts: int, statements: int, seed: int,
                   banks: list[str] | None = None) -> dict:
    values = {"users": users, "accounts": accounts, "statements": statements}
    for key, value in values.items():
        if not 1 <= value <= LIMITS[key]:
            raise ValueError(f"{key} must be within 1..{LIMITS[key]}")
    known = default_profiles()
    for code in banks or []:
        if code not in known:
            raise ValueError(f"unknown bank {code}")
    setting = dict(values, seed=seed)
    if banks:
        setting["banks"] = list(banks)
    return setting


def generate_volume(users: int, accounts: int, statements: int, seed: int,
                    banks: list[str] | None = None, anchor: dt.date | None = None) -> dict:
    """Build the volume data; returns the setting, users with account ids per bank, and
    the total number of statements (the accounts themselves are built like the server's)."""
    setting = volume_setting(users, accounts, statements, seed, banks)
    anchor = anchor or clock.today()
    profiles = default_profiles()
    codes = setting.get("banks") or list(profiles)
    result_users, total = [], 0
    for spec in seed_data.volume_users(users, accounts, statements):
        per_bank = {}
        for code in codes:
            built = seed_data.build_accounts(profiles[code], spec, seed, anchor)
            per_bank[code] = [a.account_id for a in built]
            total += sum(len(a.statements) for a in built)
        result_users.append({"login": spec.user.login, "password": spec.user.password,
                             "accounts": per_bank})
    return {"config": {"VOLUME": setting}, "anchor": anchor.isoformat(),
            "statements": total, "users": result_users}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox_bank.volume",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--accounts", type=int, default=1)
    parser.add_argument("--statements", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bank", action="append", dest="banks",
                        help="bank code (repeatable); default every bank")
    parser.add_argument("--config-only", action="store_true",
                        help="print only the settings fragment")
    args = parser.parse_args(argv)
    try:
        result = generate_volume(args.users, args.accounts, args.statements, args.seed,
                                 args.banks)
    except ValueError as exc:
        parser.error(str(exc))
    json.dump(result["config"] if args.config_only else result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
