"""Training the Rasa NLU model in its own virtual environment, only when its inputs changed.

The model file name carries a fingerprint of everything that shapes it (pipeline config, training
data, abbreviation table, our Rasa components, the pinned Rasa environment), so "is the model up
to date?" is a file-exists check and retraining is skipped when nothing changed. The model is a
build artefact under ``models/`` and never committed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
from pathlib import Path

from bot.settings import REPO_ROOT, Settings

logger = logging.getLogger(__name__)

NLU_DATA = REPO_ROOT / "nlu_data"
CONFIG = NLU_DATA / "config.yml"
TRAINING_DATA = NLU_DATA / "data"
DOMAIN = NLU_DATA / "domain.yml"
TEST_SETS = {form: NLU_DATA / "tests" / form for form in ("diacritics", "plain", "teencode")}


class NluSetupError(RuntimeError):
    """The Rasa environment is missing or training failed."""


def model_inputs(config: Path = CONFIG) -> list[Path]:
    """Every file whose content shapes the trained model."""
    files = [config, DOMAIN, NLU_DATA / "abbreviations.yml", REPO_ROOT / "requirements/rasa.lock"]
    files += sorted(TRAINING_DATA.rglob("*.yml"))
    files += sorted((REPO_ROOT / "vietnlp").glob("*.py"))
    return files


def fingerprint(config: Path = CONFIG) -> str:
    digest = hashlib.sha256()
    for path in model_inputs(config):
        name = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path.name
        digest.update(str(name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(settings: Settings, config: Path = CONFIG) -> Path:
    """Where the model for the current inputs is (or will be) stored."""
    prefix = "nlu" if config == CONFIG else config.stem.replace("config_", "nlu-")
    return settings.nlu_model_dir / f"{prefix}-{fingerprint(config)}.tar.gz"


SECRETS = frozenset(
    {"TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "PSEUDONYM_KEY", "NLU_TOKEN", "DATABASE_URL"}
)


def rasa_env() -> dict[str, str]:
    """Environment for Rasa: offline, quiet, reproducible, with our components importable."""
    # The bot's own secrets are not Rasa's business.
    env = {k: v for k, v in os.environ.items() if k.upper() not in SECRETS}
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONHASHSEED="0",
        PYTHONPATH=str(REPO_ROOT),
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        # Rasa's training cache keys a component on its config and the training data, not on
        # files it reads itself: an edited abbreviations.yml would be ignored. Our fingerprint
        # already decides when to train, so Rasa's cache is switched off.
        RASA_MAX_CACHE_SIZE="0",
    )
    return env


def rasa_python(settings: Settings) -> Path:
    """The Rasa environment's interpreter (to start Rasa through ``vietnlp/launch.py``)."""
    rasa_executable(settings)  # the same check: is Rasa installed?
    return settings.rasa_venv / "bin" / "python"


def rasa_executable(settings: Settings) -> Path:
    executable = settings.rasa_venv / "bin" / "rasa"
    if not executable.exists():
        raise NluSetupError(
            f"Rasa is not installed in {settings.rasa_venv}; run `make setup` first."
        )
    return executable


def train(settings: Settings, config: Path = CONFIG, force: bool = False) -> Path:
    """Train the model unless one for the same inputs exists; returns its path."""
    target = model_path(settings, config)
    if target.exists() and not force:
        logger.info("NLU model is up to date: %s", target.name)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(rasa_executable(settings)), "train", "nlu",
        "--config", str(config), "--nlu", str(TRAINING_DATA), "--domain", str(DOMAIN),
        "--out", str(target.parent), "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]  # fmt: skip
    logger.info("Training the NLU model (%s)…", target.name)
    result = subprocess.run(command, cwd=REPO_ROOT, env=rasa_env(), check=False)
    if result.returncode != 0 or not target.exists():
        raise NluSetupError(f"rasa train nlu failed (exit code {result.returncode})")
    return target
