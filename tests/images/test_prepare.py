"""Preparing a picture to send: upright, within the provider's size, without any metadata, in
plain words when it cannot be done. Real files made with Pillow (tests/images/pictures.py)."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from app.core.images import (
    ANTHROPIC_LIMIT,
    GEMINI_LIMIT,
    KEEP_LIMIT,
    OPENAI_LIMIT,
    ImageDamaged,
    ImageNotSupported,
    ImageTooLarge,
    ImageUnreadable,
)
from app.images.prepare import prepare_image
from tests.images import pictures


def test_phone_photo_is_turned_upright_scaled_and_stripped(tmp_path):
    # 2400x1600 stored sideways (orientation 6: turn 90° clockwise to show): 1600x2400 upright.
    photo = pictures.write(tmp_path / "photo.jpg", pictures.phone_photo(2400, 1600))

    ready = prepare_image(photo, ANTHROPIC_LIMIT)

    assert ready.mime == "image/jpeg"
    assert (ready.width, ready.height) == (1045, 1568)  # long edge 1568, ratio kept
    assert ready.had_location
    # The photo's left (red) half is its top once turned clockwise.
    assert pictures.is_red(pictures.colour_at(ready.data, 0.5, 0.1))
    assert pictures.is_blue(pictures.colour_at(ready.data, 0.5, 0.9))
    left = pictures.metadata_left(ready.data)
    assert left == {"exif": {}, "gps": {}, "info": {}}  # no EXIF, GPS, serial, XMP or ICC
    assert b"SN-123456789" not in ready.data and b"PhoneMaker" not in ready.data
    assert b"GPSLatitude" not in ready.data


def test_openai_box_then_short_side():
    ready = prepare_image(pictures.phone_photo(2400, 1800, orientation=1), OPENAI_LIMIT)
    assert (ready.width, ready.height) == (1024, 768)  # 2048 box, then the short side 768


def test_gemini_and_keep_limits_scale_the_long_edge():
    photo = pictures.phone_photo(3400, 1000, orientation=1, gps=False)
    assert prepare_image(photo, GEMINI_LIMIT).width == 3072
    kept = prepare_image(photo, KEEP_LIMIT)
    assert (kept.width, kept.height) == (3400, 1000)  # never enlarged, only stripped
    assert not kept.had_location


def test_location_in_xmp_only_is_noticed():
    out = io.BytesIO()
    pictures.two_colour_photo(200, 100).save(out, "JPEG", xmp=pictures.XMP)
    ready = prepare_image(out.getvalue(), OPENAI_LIMIT)
    assert ready.had_location
    assert b"GPSLatitude" not in ready.data


def test_screenshot_stays_png_and_sharp():
    ready = prepare_image(pictures.screenshot_png(), OPENAI_LIMIT)
    assert ready.mime == "image/png"
    assert (ready.width, ready.height) == (300, 200)
    with Image.open(io.BytesIO(ready.data)) as image:
        assert image.convert("RGB").getpixel((50, 20)) == (0, 0, 0)


def test_transparency_keeps_png_with_alpha():
    ready = prepare_image(pictures.transparent_png(), ANTHROPIC_LIMIT)
    assert ready.mime == "image/png"
    with Image.open(io.BytesIO(ready.data)) as image:
        assert image.mode == "RGBA"
        assert image.getpixel((150, 50))[3] == 0


def test_gif_sends_its_first_frame():
    ready = prepare_image(pictures.animated_gif(), OPENAI_LIMIT)
    assert ready.mime == "image/png"  # two colours: PNG
    assert pictures.is_red(pictures.colour_at(ready.data, 0.5, 0.5))
    with Image.open(io.BytesIO(ready.data)) as image:
        assert getattr(image, "n_frames", 1) == 1


def test_webp_is_read():
    ready = prepare_image(pictures.webp_photo(), OPENAI_LIMIT)
    assert ready.mime == "image/jpeg" and (ready.width, ready.height) == (640, 480)


def test_truncated_png_is_damaged_in_plain_words():
    with pytest.raises(ImageDamaged) as caught:
        prepare_image(pictures.truncated_png(), OPENAI_LIMIT)
    assert caught.value.plain().startswith("This image is damaged or incomplete")


def test_not_an_image_and_heic_say_what_to_do(tmp_path):
    with pytest.raises(ImageNotSupported) as caught:
        prepare_image(b"%PDF-1.7 not a picture at all", OPENAI_LIMIT)
    assert "PNG, JPEG, WebP and GIF" in caught.value.message
    with pytest.raises(ImageNotSupported) as heic:
        prepare_image(pictures.heic_header(), OPENAI_LIMIT)
    assert "HEIC" in heic.value.message and "JPEG" in heic.value.action
    with pytest.raises(ImageDamaged):
        prepare_image(b"", OPENAI_LIMIT)
    with pytest.raises(ImageUnreadable) as missing:
        prepare_image(tmp_path / "gone.jpg", OPENAI_LIMIT)
    assert "gone.jpg" in missing.value.message


@pytest.mark.parametrize(
    "size",
    [(12_000, 10_000), (20_000, 20_000)],  # over Hearth's cap; over Pillow's bomb limit too
)
def test_a_huge_picture_is_refused_from_its_header_at_once(size):
    started = time.perf_counter()
    with pytest.raises(ImageTooLarge) as caught:
        prepare_image(pictures.huge_png_header(*size), OPENAI_LIMIT)
    assert time.perf_counter() - started < 1.0  # nothing was decoded
    assert "too large" in caught.value.message and "megapixels" in caught.value.message


@pytest.fixture(scope="module")
def fifty_megapixels():
    image = Image.new("RGB", (8_660, 5_774), (90, 140, 60))
    image.paste((200, 40, 40), (0, 0, 4_330, 5_774))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def test_a_50_megapixel_photo_is_decoded_at_a_reduced_scale(fifty_megapixels):
    started = time.perf_counter()
    ready = prepare_image(fifty_megapixels, ANTHROPIC_LIMIT)
    elapsed = time.perf_counter() - started
    assert (ready.width, ready.height) == (1568, 1045)
    assert elapsed < 5.0  # draft mode: a 1/4-scale decode, not 50 MP of pixels
