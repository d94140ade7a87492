"""End-to-end: the real Rasa server (trained model, HTTP on loopback, auth token) and its client."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot.nlu.client import NluClient, NluResult, NluUnavailable
from bot.nlu.local_server import (
    NluEndpoint,
    nlu_client,
)
from bot.settings import Settings

pytestmark = pytest.mark.e2e


async def parse(server: NluEndpoint, text: str) -> NluResult:
    """One message through a client of its own, as the bot sends it."""
    client = NluClient(server.url, server.token, timeout=5.0)
    try:
        return await client.parse(text)
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("số cấp cứu ở Nhật là gì", "emergency_numbers"),
        ("so cap cuu o nhat la gi", "emergency_numbers"),
        ("bạn tôi ngất rồi, không tỉnh", "ambulance"),
        ("tôi bị mất hộ chiếu rồi", "lost_passport"),
        ("cty giu ho chieu cua e ko tra", "passport_held"),
    ],
)
async def test_real_server_understands_vietnamese_as_typed(
    nlu_server: NluEndpoint, text: str, intent: str
) -> None:
    result = await parse(nlu_server, text)
    assert result.intent == intent
    assert result.ranking[0][0] == intent


async def test_country_entity_is_canonical_and_keeps_the_users_words(
    nlu_server: NluEndpoint,
) -> None:
    result = await parse(nlu_server, "tôi đang làm việc ở Cao Hùng")
    country = result.entity("country")
    assert country is not None
    assert (country.value, country.text) == ("taiwan", "Cao Hùng")


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("em o van lam, may hom nay sot cao", "taiwan"),  # Vân Lâm typed without accents
        ("minh lam nha may o hoa lien", "taiwan"),
        ("tui o ban kieu, gan ga tau", "taiwan"),
        ("em làm ở Thụ Lâm được 2 năm", "taiwan"),
        ("e o o-sa-ka can hoi bao hiem", "japan"),
        ("chong em lam o xo-un", "korea"),
        # Folded, these are everyday phrases, not Nam Đầu, Đấu Lục, Thụ Lâm or Lô Châu.
        ("nam dau em qua con bo ngo lam", None),
        ("dau luc di tieu thi phai lam sao", None),
        ("em thu lam roi ma khong duoc", None),
        ("me em o que lo chau lam", None),
        ("hop dong dai han co duoc nghi phep khong", None),
    ],
)
async def test_place_names_typed_without_accents_name_their_country(
    nlu_server: NluEndpoint, text: str, country: str | None
) -> None:
    result = await parse(nlu_server, text)
    found = result.entity("country")
    assert (found.value if found else None) == country


async def test_server_refuses_requests_without_the_token(nlu_server: NluEndpoint) -> None:
    async with httpx.AsyncClient(base_url=nlu_server.url) as http:
        response = await http.post("/model/parse", json={"text": "xin chào"})
    assert response.status_code == 401
    client = NluClient(nlu_server.url, None, timeout=5.0)
    with pytest.raises(NluUnavailable):
        await client.parse("xin chào")
    await client.aclose()


async def test_without_rasa_the_bot_gets_no_client_instead_of_crashing(tmp_path: Path) -> None:
    settings = Settings(
        rasa_venv=tmp_path / "missing", nlu_url=None, nlu_server_file=tmp_path / "none.json"
    )
    async with nlu_client(settings) as client:
        assert client is None
