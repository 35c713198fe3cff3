"""The demo world: the same users at every bank, with deterministic accounts and statements.

Everything derives from (seed, bank code, user, account index, anchor date), so a restart
with the same anchor (kept in the state file) rebuilds identical statements and item keys.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from zengin_code import Bank

from ..clock import months_back_first
from ..models import Account, BankUser
from ..profiles import BankProfile
from . import statements

DEMO_PASSWORD = "password"  # noqa: S105 - a published demo password, not a secret


@dataclass(frozen=True)
class AccountSpec:
    type_code: str
    months: int  # how far back statements go (within the bank's history depth)
    count: int
    opening: int


@dataclass(frozen=True)
class UserSpec:
    number: int  # makes account numbers unique per bank
    user: BankUser
    accounts: tuple[AccountSpec, ...]


def demo_users() -> list[UserSpec]:
    def user(login, name, kana, **kw):
        return BankUser(login=login, password=DEMO_PASSWORD, name=name, name_kana=kana, **kw)

    return [
        UserSpec(1, user("yamada", "山田 太郎", "ﾔﾏﾀﾞ ﾀﾛｳ"), (
            AccountSpec("01", 24, 1100, 250_000),
            AccountSpec("02", 6, 120, 80_000),
            AccountSpec("11", 1, 2, 1_000_000),
        )),
        UserSpec(2, user("sato", "佐藤 花子", "ｻﾄｳ ﾊﾅｺ"), (
            AccountSpec("01", 12, 200, 120_000),
            AccountSpec("02", 3, 40, 30_000),
        )),
        UserSpec(3, user("hojin", "株式会社つなぐ商事", "ｶ)ﾂﾅｸﾞｼﾖｳｼﾞ", corporate=True,
                         certificate="CN=株式会社つなぐ商事 経理部, O=Tsunagu Shoji"), (
            AccountSpec("01", 12, 400, 3_000_000),
            AccountSpec("02", 6, 100, 1_500_000),
        )),
        UserSpec(4, user("locked", "鍵田 次郎", "ｶｷﾞﾀ ｼﾞﾛｳ", script="locked"), (
            AccountSpec("01", 3, 20, 50_000),
        )),
        UserSpec(5, user("expired", "期限 三郎", "ｷｹﾞﾝ ｻﾌﾞﾛｳ", script="consent_expired"), (
            AccountSpec("01", 3, 30, 60_000),
        )),
        UserSpec(6, user("revoked", "取消 四郎", "ﾄﾘｹｼ ｼﾛｳ", script="revoke_after_sync"), (
            AccountSpec("01", 3, 30, 70_000),
            AccountSpec("02", 1, 5, 10_000),
        )),
    ]


def _branches(bank_code: str) -> list[tuple[str, str]]:
    branches = Bank[bank_code].branches
    return [(code, branches[code].name) for code in sorted(branches)[:12]]


def build_accounts(
    profile: BankProfile, spec: UserSpec, seed: int, anchor: dt.date
) -> list[Account]:
    branches = _branches(profile.code)
    accounts = []
    for index, acc in enumerate(spec.accounts):
        rng = random.Random(f"{seed}:{profile.code}:{spec.user.login}:{index}")
        branch_code, branch_name = branches[(spec.number + index) % len(branches)]
        number = f"{spec.number:05d}{index + 1:02d}"
        months = min(acc.months, profile.history_for(acc.type_code))
        start = months_back_first(anchor, months)
        account = Account(
            account_id=f"{branch_code}{acc.type_code}{number}",
            bank_code=profile.code,
            owner=spec.user.login,
            branch_code=branch_code,
            branch_name=branch_name,
            type_code=acc.type_code,
            number=number,
            name=spec.user.name,
            name_kana=spec.user.name_kana,
            primary=index == 0,
            opening_balance=acc.opening,
        )
        account.statements = statements.generate(rng, start, anchor, acc.count, acc.opening,
                                                 interest_only=acc.type_code == "11")
        accounts.append(account)
    return accounts


def volume_users(users: int, accounts: int, per_account: int) -> list[UserSpec]:
    """N users x M accounts x K statements over 24 months, for benchmarks."""
    specs = []
    for index in range(users):
        login = f"vol{index + 1:05d}"
        user = BankUser(login=login, password=DEMO_PASSWORD, name=f"負荷 {index + 1}号",
                        name_kana=f"ﾌｶ {index + 1}ｺﾞｳ")
        kinds = tuple(AccountSpec("01" if a % 2 == 0 else "02", 24, per_account, 1_000_000)
                      for a in range(accounts))
        specs.append(UserSpec(1000 + index, user, kinds))
    return specs
