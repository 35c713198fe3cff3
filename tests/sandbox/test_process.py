"""The process: READY line, port choice, settings precedence, state file, volume generator."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from bank_api import EARLIEST, gmo, gmo_all, ground_truth
from bank_flow import connect, new_client, refresh

from sandbox_bank import create_app
from sandbox_bank.config import load_config
from sandbox_bank.volume import generate_volume
from tests.support.sandbox_server import ROOT, start_sandbox


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_bank_port_environment_and_ready_line(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    env.update(BANK_PORT=str(port), PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-m", "sandbox_bank"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()  # blocks until the server prints its one line
        assert line == f"SANDBOX_BANK_READY http://127.0.0.1:{port}\n"
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert "本物の銀行ではありません" in page.text
        status = httpx.get(f"http://127.0.0.1:{port}/banks/0310/_sandbox/status").json()
        assert status["serviceHours"]["enforced"] is True  # python -m default: hours apply
        # Admin endpoints are closed while no admin token is configured.
        answer = httpx.get(f"http://127.0.0.1:{port}/banks/0310/_sandbox/faults",
                           headers={"X-Sandbox-Admin-Token": "guess"})
        assert answer.status_code == 403
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_settings_precedence(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"PAGE_SIZE": 7, "CODE_TTL": 9}), encoding="utf-8")
    env = {"SANDBOX_PAGE_SIZE": "3", "SANDBOX_CODE_TTL": "4", "SANDBOX_ADMIN_TOKEN": "abc",
           "SANDBOX_CONFIG_FILE": str(path)}
    config = load_config({"CODE_TTL": 11}, env=env)
    assert config["ADMIN_TOKEN"] == "abc"  # environment
    assert config["PAGE_SIZE"] == 7  # the file beats the environment
    assert config["CODE_TTL"] == 11  # the mapping beats the file
    assert config["SECRET_KEY"]


def test_create_app_contract():
    app = create_app({"PAGE_SIZE": 5, "CONSENT_TTL": 60, "SERVICE_HOURS_ALWAYS_OPEN": True})
    assert app.config["SESSION_COOKIE_NAME"] == "sandbox_bank_session"
    status = app.test_client().get("/banks/0001/_sandbox/status").json
    assert status["pageSize"] == 5 and status["consentTtl"] == 60
    assert status["serviceHours"]["enforced"] is False


def test_state_file_keeps_consents_tokens_and_arrivals(tmp_path):
    state = tmp_path / "state.sqlite"
    config = {"STATE_FILE": str(state), "ADMIN_TOKEN": "fixed-admin-token"}
    first = start_sandbox(tmp_path / "one", config=config)
    try:
        client = new_client(first)
        token = connect(first, "0310", client)
        account = gmo(first, "0310", "accounts", token["access_token"]).json()["accounts"][0]
        added = first.admin("POST", f"/banks/0310/_sandbox/accounts/"
                                    f"{account['accountId']}/transactions",
                            json={"transactions": [{"amount": 777, "remarks": "ｻｲｷﾄﾞｳ"}]})
        assert added.status_code == 201
        truth = ground_truth(first, "0310", account["accountId"])
    finally:
        first.stop()
    second = start_sandbox(tmp_path / "two", config=config)
    try:
        assert gmo(second, "0310", "accounts", token["access_token"]).status_code == 200
        rows, _ = gmo_all(second, "0310", token["access_token"], account["accountId"],
                          dateFrom=EARLIEST)
        assert rows == truth["transactions"]  # seeded rows rebuilt, arrival kept
        assert rows[-1]["remarks"] == "ｻｲｷﾄﾞｳ"
        assert refresh(second, "0310", client, token["refresh_token"]).status_code == 200
    finally:
        second.stop()


def test_volume_generator_cli_matches_the_served_data(tmp_path):
    args = ["--users", "3", "--accounts", "2", "--statements", "40", "--seed", "9",
            "--bank", "0310"]
    out = subprocess.run([sys.executable, "-m", "sandbox_bank.volume", *args], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(out.stdout)
    assert out.stderr == ""
    assert result["statements"] == 3 * 2 * 40
    assert [u["login"] for u in result["users"]] == ["vol00001", "vol00002", "vol00003"]
    server = start_sandbox(tmp_path, config=result["config"])
    try:
        for user in result["users"]:
            for account_id in user["accounts"]["0310"]:
                assert ground_truth(server, "0310", account_id)["count"] == 40
        assert server.admin("GET", "/banks/0001/_sandbox/users/vol00001").status_code == 404
        token = connect(server, "0310", new_client(server), login="vol00002")
        listed = gmo(server, "0310", "accounts", token["access_token"]).json()["accounts"]
        assert [a["accountId"] for a in listed] == result["users"][1]["accounts"]["0310"]
    finally:
        server.stop()


def test_volume_is_deterministic_per_seed():
    def statements(seed):
        app = create_app({"VOLUME": {"users": 2, "accounts": 1, "statements": 30, "seed": seed,
                                     "banks": ["0001"]}})
        state = app.extensions["sandbox"].state
        return [(s.item_key, s.date, s.amount, s.balance, s.remarks)
                for a in state.user_accounts("0001", "vol00002") for s in a.statements]

    assert statements(4) == statements(4)
    assert statements(4) != statements(5)
    summary = generate_volume(2, 1, 30, 4, ["0001"])
    assert summary == generate_volume(2, 1, 30, 4, ["0001"], None)


def test_stop_is_prompt(tmp_path):
    server = start_sandbox(tmp_path)
    started = time.monotonic()
    server.stop()
    assert server.process.returncode is not None
    assert time.monotonic() - started < 5
    assert Path(server.log_path).exists()
