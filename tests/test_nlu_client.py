"""Unit tests of the NLU client's parsing and of the model fingerprint (no Rasa needed)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.nlu import model
from bot.nlu.client import NluClient, NluUnavailable, parse_response
from bot.nlu.local_server import free_port
from bot.settings import Settings

RASA_PAYLOAD = {
    "text": "so cap cuu o nhat ban",
    "intent": {"name": "emergency_medical", "confidence": 0.93},
    "entities": [
        {"entity": "country", "start": 13, "end": 21, "value": "japan", "extractor": "Regex"}
    ],
    "intent_ranking": [
        {"name": "emergency_medical", "confidence": 0.93},
        {"name": "find_clinic", "confidence": 0.04},
    ],
}


def test_parse_response_keeps_user_text_and_canonical_value() -> None:
    result = parse_response("so cap cuu o nhat ban", RASA_PAYLOAD)
    assert result.intent == "emergency_medical"
    assert result.confidence == pytest.approx(0.93)
    country = result.entity("country")
    assert country is not None
    assert (country.value, country.text) == ("japan", "nhat ban")
    assert result.ranking[1] == ("find_clinic", pytest.approx(0.04))


def test_parse_response_without_intent_name_is_out_of_scope() -> None:
    result = parse_response("", {"intent": {"name": None, "confidence": None}})
    assert (result.intent, result.confidence, result.entities) == ("out_of_scope", 0.0, ())


async def test_unreachable_server_raises_nlu_unavailable() -> None:
    client = NluClient(f"http://127.0.0.1:{free_port()}", "token", timeout=0.5)
    with pytest.raises(NluUnavailable):
        await client.parse("cứu tôi")
    await client.aclose()


def test_model_name_carries_a_fingerprint_of_its_inputs(tmp_path) -> None:
    settings = Settings(nlu_model_dir=tmp_path)
    other_config = tmp_path / "config_other.yml"
    other_config.write_text(model.CONFIG.read_text() + "\n# another pipeline\n")
    ours, other = model.model_path(settings), model.model_path(settings, other_config)
    assert ours.name == f"nlu-{model.fingerprint()}.tar.gz"
    assert other.name.startswith("nlu-other-") and other != ours
    assert model.model_path(settings) == ours  # stable: same inputs, same name → no retraining
    assert model.CONFIG in model.model_inputs() and model.DOMAIN in model.model_inputs()


async def test_a_proxy_in_the_environment_is_not_used_for_the_nlu(monkeypatch) -> None:
    """A worker's machine behind a proxy (HTTP_PROXY set, no NO_PROXY) still reaches its own
    NLU server: the NLU is an internal service, never reached through the environment's proxy."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            data = json.dumps(RASA_PAYLOAD).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    dead_proxy = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, dead_proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    client = NluClient(f"http://127.0.0.1:{server.server_address[1]}", "token", timeout=2.0)
    try:
        result = await client.parse("so cap cuu o nhat ban")
    finally:
        await client.aclose()
        server.shutdown()
        server.server_close()
    assert result.intent == "emergency_medical"
