"""`manage.py sync_catalog`: a summary table per source, rejections named, a dry run that writes nothing, and a
non-zero exit when a run failed."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from catalog.choices import SyncStatus
from catalog.models import AIModel, Price, SyncRun
from tests.catalog.conftest import gpt4o_snapshot, price
from tests.catalog.stubs import snapshot_json
from tests.worker import ROOT, database_url_for


def run_command(*args) -> str:
    out = StringIO()
    call_command("sync_catalog", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def snapshot_file(tmp_path):
    snapshot = gpt4o_snapshot()
    snapshot.offerings[0].prices.append(price("cached_input_token", "-1"))  # one rejection to report
    path = tmp_path / "feed.json"
    path.write_bytes(snapshot_json(snapshot))
    return path


@pytest.mark.django_db
def test_a_sync_from_a_file_prints_one_row_per_source_with_counts_and_rejections(make_source, snapshot_file):
    make_source("feed-a")

    output = run_command("--source", "feed-a", "--from-file", str(snapshot_file))

    lines = output.splitlines()
    assert lines[0].split() == ["source", "status", "created", "updated", "unchanged", "retired", "rejected",
                                "seconds"]  # fmt: skip
    row = lines[2].split()
    assert row[:7] == ["feed-a", "succeeded", "3", "0", "0", "0", "1"]
    assert "  organization +1; model +1; price !1; offering +1" in lines
    assert "  rejected price gpt-4o cached_input_token: usd must not be below 0, got -1" in lines
    assert AIModel.objects.filter(slug="openai/gpt-4o").exists()
    assert SyncRun.objects.get().trigger == "command"


@pytest.mark.django_db
def test_a_dry_run_reports_the_same_counts_and_writes_nothing(make_source, snapshot_file):
    make_source("feed-a")

    output = run_command("--source", "feed-a", "--from-file", str(snapshot_file), "--dry-run")

    assert output.splitlines()[2].split()[:4] == ["feed-a", "succeeded", "(dry)", "3"]
    assert not AIModel.objects.exists() and not Price.objects.exists()


@pytest.mark.django_db
def test_a_failed_run_makes_the_command_fail_naming_the_source(make_source, tmp_path):
    make_source("feed-a")
    broken = tmp_path / "broken.json"
    broken.write_text("[1, 2")

    with pytest.raises(CommandError, match=r"^1 source\(s\) failed: feed-a$"):
        run_command("--source", "feed-a", "--from-file", str(broken))

    assert SyncRun.objects.get().status == SyncStatus.FAILED


@pytest.mark.django_db
def test_bad_arguments_get_a_clear_error(make_source, tmp_path):
    with pytest.raises(CommandError, match="--from-file needs --source"):
        run_command("--from-file", str(tmp_path / "x.json"))
    with pytest.raises(CommandError, match="no source 'nope'"):
        run_command("--source", "nope")
    make_source("feed-a")
    with pytest.raises(CommandError, match="feed-a: cannot read the payload"):
        run_command("--source", "feed-a", "--from-file", str(tmp_path / "missing.json"))


@pytest.mark.django_db(transaction=True)
def test_the_process_exits_non_zero_when_a_run_failed(make_source, tmp_path, snapshot_file):
    make_source("feed-a")
    broken = tmp_path / "broken.json"
    broken.write_text("{}")  # valid JSON, not a snapshot: parsed, then refused as having lost every record
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": database_url_for(connection.settings_dict)}  # fmt: skip

    def manage(path):
        command = [sys.executable, "manage.py", "sync_catalog", "--source", "feed-a", "--from-file", str(path)]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    good, bad = manage(snapshot_file), manage(broken)

    assert good.returncode == 0, good.stderr
    assert bad.returncode == 1
    assert "1 source(s) failed: feed-a" in bad.stderr
    assert "refused: the snapshot has 0 records, the last good one had 2" in bad.stdout
