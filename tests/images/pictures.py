"""Real image files made with Pillow for the image tests: a phone photo with EXIF orientation,
GPS location, camera serial, XMP and an ICC profile; a screenshot; a truncated PNG; a GIF; a
WebP; a header that claims a huge picture."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageCms

RED = (220, 20, 20)
BLUE = (20, 20, 220)
ORIENTATION = 0x0112
GPS_IFD = 0x8825
EXIF_IFD = 0x8769
BODY_SERIAL = 0xA431
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="51,30.0N"/></rdf:RDF></x:xmpmeta>'
)


def two_colour_photo(width: int, height: int) -> Image.Image:
    """Left half red, right half blue, with noise so it has thousands of colours (a photo)."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    across = Image.linear_gradient("L").resize((width, height)).rotate(90)
    down = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 40)
    return Image.blend(image, Image.merge("RGB", (across, down, noise)), 0.3)


def phone_photo(
    width: int = 1200, height: int = 800, *, orientation: int = 6, gps: bool = True
) -> bytes:
    """A JPEG as a phone writes it: stored sideways with an orientation tag, a location, the
    camera's make and serial number, XMP and an sRGB ICC profile."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Phone 15"
    exif.get_ifd(EXIF_IFD)[BODY_SERIAL] = "SN-123456789"
    if gps:
        location = exif.get_ifd(GPS_IFD)
        location[1] = "N"
        location[2] = (51.0, 30.0, 12.5)
        location[3] = "W"
        location[4] = (0.0, 7.0, 39.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    two_colour_photo(width, height).save(
        out, "JPEG", quality=90, exif=exif.tobytes(), icc_profile=icc, xmp=XMP if gps else b""
    )
    return out.getvalue()


def screenshot_png(width: int = 300, height: int = 200) -> bytes:
    image = Image.new("RGB", (width, height), (255, 255, 255))
    image.paste((0, 0, 0), (10, 10, 200, 30))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def transparent_png(width: int = 200, height: int = 100) -> bytes:
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, width // 2, height))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def truncated_png() -> bytes:
    out = io.BytesIO()
    two_colour_photo(400, 300).save(out, "PNG")
    data = out.getvalue()
    return data[: len(data) // 2]


def animated_gif() -> bytes:
    """Two frames: red, then blue. Only the first is sent."""
    frames = [Image.new("RGB", (120, 80), RED), Image.new("RGB", (120, 80), BLUE)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def webp_photo() -> bytes:
    out = io.BytesIO()
    two_colour_photo(640, 480).save(out, "WEBP", quality=80)
    return out.getvalue()


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height but whose data is a few bytes: opening it must
    be refused from the header, before any decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def heic_header() -> bytes:
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


_JFIF = ("dpi", "jfif", "jfif_version", "jfif_unit", "jfif_density")  # a JPEG's plain header


def metadata_left(data: bytes) -> dict:
    """What a decoder finds besides pixels: EXIF tags, GPS, ICC, XMP, comments."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return {
            "exif": dict(exif),
            "gps": dict(exif.get_ifd(GPS_IFD)),
            "info": {k: v for k, v in image.info.items() if k not in _JFIF},
        }


def colour_at(data: bytes, x: float, y: float) -> tuple[int, int, int]:
    """The colour at a fraction of the width and height of an encoded picture."""
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        return rgb.getpixel((int(x * (rgb.width - 1)), int(y * (rgb.height - 1))))


def is_red(colour: tuple[int, int, int]) -> bool:
    """Mostly red, whatever the noise and gradient laid over it."""
    return colour[0] > colour[2] + 60


def is_blue(colour: tuple[int, int, int]) -> bool:
    return colour[2] > colour[0] + 60
