"""The sandbox's whole state: banks, users, accounts, statements, plus the OAuth side.

One re-entrant lock guards everything: the werkzeug server is threaded and the data is small.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import random
import threading

from . import clock, persistence
from .auth_store import AuthStore
from .data import seed, statements
from .models import Account, BankUser, Statement
from .profiles import BankProfile, default_profiles


class State(AuthStore):
    def __init__(self, config: dict):
        self.lock = threading.RLock()
        self.seed = int(config.get("SEED", 1))
        self.profiles: dict[str, BankProfile] = default_profiles()
        self._apply_overrides(config)
        self.users: dict[str, dict[str, BankUser]] = {code: {} for code in self.profiles}
        self.accounts: dict[str, dict[str, Account]] = {code: {} for code in self.profiles}
        self.clients, self.grants, self.codes = {}, {}, {}
        self.tokens_by_access, self.tokens_by_refresh = {}, {}
        self.arrivals: list[tuple[str, str, Statement]] = []  # kept for the state file
        self._state_file = config.get("STATE_FILE") or None
        self._loading = True
        saved = persistence.load(self._state_file) if self._state_file else None
        self.anchor = dt.date.fromisoformat(saved["anchor"]) if saved else clock.today()
        for code in self.profiles:
            self._populate(code, seed.demo_users(), self.seed)
        volume = config.get("VOLUME")
        if volume:
            # Imported here: `python -m sandbox_bank.volume` must not find itself imported.
            from .volume import volume_setting

            setting = volume_setting(int(volume["users"]), int(volume.get("accounts", 1)),
                                     int(volume.get("statements", 1000)),
                                     int(volume.get("seed", self.seed)), volume.get("banks"))
            specs = seed.volume_users(setting["users"], setting["accounts"],
                                      setting["statements"])
            for code in setting.get("banks") or self.profiles:
                self._populate(code, specs, setting["seed"])
        if saved:
            persistence.restore(self, saved)
        # Configured clients after the saved ones: a start with new redirect URIs, secret or
        # name updates the client the state file kept, instead of the old one winning.
        for client in config.get("CLIENTS") or []:
            self.add_client(client)
        self._loading = False
        self.changed()

    def _populate(self, code: str, specs, seed_value: int) -> None:
        for spec in specs:
            self.users[code][spec.user.login] = copy.deepcopy(spec.user)
            for account in seed.build_accounts(self.profiles[code], spec, seed_value,
                                               self.anchor):
                self.accounts[code][account.account_id] = account

    def _apply_overrides(self, config: dict) -> None:
        for profile in self.profiles.values():
            if config.get("CONSENT_TTL") is not None:
                profile.consent_ttl = int(config["CONSENT_TTL"])
            if config.get("ACCESS_TOKEN_TTL") is not None:
                profile.access_token_ttl = int(config["ACCESS_TOKEN_TTL"])
            if config.get("CODE_TTL") is not None:
                profile.code_ttl = int(config["CODE_TTL"])
            if config.get("PAGE_SIZE") is not None:
                profile.page_size = int(config["PAGE_SIZE"])
            if config.get("RATE_LIMIT"):
                profile.rate_limit = dict(config["RATE_LIMIT"])
            if config.get("SERVICE_HOURS_ALWAYS_OPEN"):
                profile.enforce_service_hours = False
            if config.get("ONE_GRANT_PER_USER") is not None:
                profile.one_grant_per_user = bool(config["ONE_GRANT_PER_USER"])

    def changed(self) -> None:
        """Called after every mutation worth keeping across a restart."""
        if self._state_file and not self._loading:
            with self.lock:
                persistence.save(self._state_file, self)

    # -- world ---------------------------------------------------------------------------
    def profile(self, code: str) -> BankProfile | None:
        return self.profiles.get(code)

    def user(self, bank_code: str, login: str | None) -> BankUser | None:
        return self.users.get(bank_code, {}).get(login or "")

    def account(self, bank_code: str, account_id: str | None) -> Account | None:
        return self.accounts.get(bank_code, {}).get(account_id or "")

    def user_accounts(self, bank_code: str, login: str) -> list[Account]:
        return [a for a in self.accounts.get(bank_code, {}).values() if a.owner == login]

    def history_start(self, account: Account, today: dt.date | None = None) -> dt.date:
        profile = self.profiles[account.bank_code]
        return clock.months_back_first(today or clock.today(),
                                       profile.history_for(account.type_code))

    def held_statements(self, account: Account) -> list[Statement]:
        """Every statement the bank still holds (within its history depth), oldest first."""
        start = self.history_start(account)
        with self.lock:
            return [s for s in account.statements if s.date >= start]

    def statements_between(self, account: Account, date_from: dt.date, date_to: dt.date,
                           start_seq: int, limit: int) -> tuple[list[Statement], int | None]:
        """Up to `limit` held statements dated within the window with seq >= start_seq, and
        the seq of the next one (None when none is left). Statements are kept in posting
        order with non-decreasing dates, so both bounds are binary searches."""
        with self.lock:
            rows = account.statements
            lo = bisect.bisect_left(rows, max(date_from, self.history_start(account)),
                                    key=lambda s: s.date)
            hi = bisect.bisect_right(rows, date_to, key=lambda s: s.date)
            lo = max(lo, bisect.bisect_left(rows, start_seq, key=lambda s: s.seq))
            end = min(lo + limit, hi)
            page = rows[lo:end] if lo < hi else []
            return page, (rows[end].seq if end < hi else None)

    def append_statements(self, account: Account, items: list[dict] | None, count: int = 0,
                          rng: random.Random | None = None) -> list[Statement]:
        """Post new statements after the existing ones, keeping running balances."""
        today = clock.today()
        with self.lock:
            last = account.statements[-1] if account.statements else None
            seq = last.seq if last else 0
            balance = account.balance
            floor = last.date if last else dt.date.min
            rng = rng or random.Random()
            rows = []
            plan = items if items is not None else [None] * count
            for item in plan:
                if item is None:
                    amount, remarks, kind = statements.arrival(rng, balance)
                    day = value_day = today
                else:
                    amount, remarks, kind = int(item["amount"]), item.get("remarks"), "99"
                    day = dt.date.fromisoformat(item["date"]) if item.get("date") else today
                    value_day = (dt.date.fromisoformat(item["valueDate"])
                                 if item.get("valueDate") else day)
                if day < floor:
                    raise ValueError("a new statement cannot be dated before the last one")
                seq += 1
                balance += amount
                floor = day
                rows.append(Statement(seq, day, value_day, amount, balance, remarks, kind))
            account.statements.extend(rows)
            self.arrivals.extend((account.bank_code, account.account_id, s) for s in rows)
            self.changed()
            return rows
