"""Images through the gateway: a client's image reaches the model as an image part, and a
model that cannot take images is the client's 400, before anything is sent upstream."""

from __future__ import annotations

import base64
from typing import Iterator

import httpx
import pytest
from gateway_support import CASSETTES, running_gateway

from rillet.serve import GatewayConfig

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(8)).decode()
TEXT_ONLY = "replay/openai/openai_chat_scenario_text.yaml"  # the replay provider reads text only


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    with running_gateway(GatewayConfig(replay_dir=str(CASSETTES))) as url:
        yield url


def test_an_openai_client_image_to_a_text_only_model_is_a_400(gateway: str) -> None:
    content = [{"type": "text", "text": "What is it?"}, {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}]
    body = {"model": TEXT_ONLY, "stream": True, "messages": [{"role": "user", "content": content}]}
    response = httpx.post(gateway + "/v1/chat/completions", json=body, timeout=30)
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "openai_chat_scenario_text.yaml cannot take images, and the request holds 1" in message and PNG not in message


def test_an_anthropic_client_image_to_a_text_only_model_is_a_400(gateway: str) -> None:
    content = [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}]
    body = {"model": TEXT_ONLY, "max_tokens": 5, "messages": [{"role": "user", "content": content}]}
    response = httpx.post(gateway + "/v1/messages", json=body, timeout=30)
    assert response.status_code == 400
    assert response.json()["type"] == "error" and "cannot take images" in response.json()["error"]["message"]
