"""Image parts (``rillet.ImagePart``), per-model capabilities, and the refusal of images
before anything is sent to a model that cannot take them."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

import rillet
from rillet import _discovery

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 40
GIF = b"GIF89a" + b"\x02" * 10
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x03" * 10


@pytest.mark.parametrize(
    ("data", "media_type"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")]
)
def test_media_type_is_read_from_the_bytes(data: bytes, media_type: str) -> None:
    assert rillet.ImagePart.from_bytes(data).media_type == media_type


def test_from_path_reads_the_file_and_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(PNG)
    part = rillet.ImagePart.from_path(path)
    assert (part.media_type, part.data) == ("image/png", PNG)
    with pytest.raises(rillet.ConfigurationError, match=r"cannot read the image '.*nope\.png'"):
        rillet.ImagePart.from_path(tmp_path / "nope.png")


def test_bytes_that_are_no_image_quote_a_short_prefix_only() -> None:
    data = b"this is some long text, not an image at all " * 50
    with pytest.raises(rillet.ConfigurationError) as caught:
        rillet.ImagePart.from_bytes(data)
    message = caught.value.message
    assert "is not a PNG, JPEG, GIF or WebP image" in message and "b'this is some lon'…" in message
    assert len(message) < 200


def test_explicit_media_type_wins_and_must_be_an_image() -> None:
    assert rillet.ImagePart.from_bytes(b"BM...", "image/bmp").media_type == "image/bmp"
    with pytest.raises(rillet.ConfigurationError, match="must be image/"):
        rillet.ImagePart.from_bytes(PNG, "text/plain")


def test_url_parts_guess_the_media_type_and_data_urls_become_bytes() -> None:
    linked = rillet.ImagePart.from_url("https://example.com/cat.jpg?size=2")
    assert (linked.url, linked.media_type, linked.data) == ("https://example.com/cat.jpg?size=2", "image/jpeg", None)
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    inline = rillet.ImagePart.from_url(data_url)
    assert (inline.data, inline.url, inline.as_url()) == (PNG, None, data_url)
    assert rillet.ImagePart(media_type="image/png", url=data_url) == inline
    with pytest.raises(rillet.ConfigurationError, match="cannot tell the media type"):
        rillet.ImagePart.from_url("https://example.com/picture")
    with pytest.raises(rillet.ConfigurationError, match="must be http"):
        rillet.ImagePart.from_url("file:///etc/passwd")


def test_repr_never_shows_the_bytes_and_json_round_trips() -> None:
    part = rillet.ImagePart.from_bytes(PNG)
    assert repr(part) == f"ImagePart(media_type='image/png', data=<{len(PNG)} bytes>)"
    assert str(part) == repr(part)
    message = rillet.Message("user", [rillet.TextPart(text="what is this?"), part])
    again = rillet.Message.model_validate_json(message.model_dump_json())
    assert again == message and again.images == [part]
    assert '"data":"' + base64.b64encode(PNG).decode() + '"' in message.model_dump_json()


def test_an_image_part_needs_exactly_one_source() -> None:
    with pytest.raises(ValueError, match="either data"):
        rillet.ImagePart(media_type="image/png")
    with pytest.raises(ValueError, match="either data"):
        rillet.ImagePart(media_type="image/png", data=PNG, url="https://example.com/a.png")


def test_model_capabilities_match_by_pattern_with_the_provider_as_default() -> None:
    base = rillet.Capabilities(tools=True, vision=False)
    info = rillet.ProviderInfo("p", capabilities=base, model_capabilities={"llava*": rillet.Capabilities(vision=True)})
    assert info.capabilities_for("llava:13b").vision is True
    assert info.capabilities_for("llama3.2") is base


def test_a_model_without_vision_refuses_images_before_sending(fake_plugin: None) -> None:
    model = rillet.get_model("fake/fake-1", base_url="http://127.0.0.1:9")  # nothing listens there
    prompt = rillet.Message("user", [rillet.TextPart(text="hi"), rillet.ImagePart.from_bytes(PNG)])
    for method in (model.stream_tokens, model.stream_with_aggregation):
        with pytest.raises(rillet.ConfigurationError, match=r"fake/fake-1 cannot take images, and the request holds 1"):
            method(prompt)


def test_a_vision_model_is_let_through(fake_plugin: None) -> None:
    import fake_provider

    seeing = rillet.ProviderInfo(
        "seeing", key_env_var=None, default_base_url="http://127.0.0.1:9",
        model_capabilities={"eyes-*": rillet.Capabilities(vision=True)},
    )

    class Seeing:
        @rillet.hookimpl
        def rillet_providers(self) -> list[rillet.ProviderInfo]:
            return [seeing]

    _discovery.register_plugin(Seeing(), name="seeing-test")
    try:
        prompt = rillet.Message("user", [rillet.ImagePart.from_bytes(PNG)])
        with pytest.raises(rillet.ConfigurationError, match="cannot take images"):
            rillet.get_model("seeing/blind-1").stream_tokens(prompt)
        with pytest.raises(rillet.UnknownProviderError, match="no installed plugin streams"):
            rillet.get_model("seeing/eyes-1").stream_tokens(prompt)  # passed the check; no plugin streams it
    finally:
        _discovery.unregister_plugin("seeing-test")
    assert fake_provider.INFO.capabilities.vision is False
