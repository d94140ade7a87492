"""Fixtures for the Rasa component tests: a local model storage in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource


@pytest.fixture
def model_storage(tmp_path: Path) -> LocalModelStorage:
    storage = tmp_path / "storage"
    storage.mkdir()
    return LocalModelStorage(storage)


@pytest.fixture
def resource() -> Resource:
    return Resource("vietnamese_tokenizer")


@pytest.fixture
def execution_context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")
