"""`sovereign batch` with its checkpoints in PostgreSQL: several workers, one database."""

from __future__ import annotations

from pathlib import Path

from tests.batch_cases import check_batch_runs_and_reruns


def test_batch_of_twelve_rows_on_three_workers_on_postgres(tmp_path: Path, pg_url: str) -> None:
    check_batch_runs_and_reruns(tmp_path, pg_url)
