"""Make an attached picture safe and small enough to send: decode it (PNG, JPEG, WebP, GIF's
first frame), turn it upright by its EXIF orientation, scale it to the provider's documented
limit, drop every piece of metadata (EXIF, GPS location, camera serial, XMP, comments) and encode
it afresh: JPEG for photos, PNG for pictures with transparency or few colours.

Blocking and CPU-bound (~0.1-0.5 s for a 12 MP photo): run it on a worker thread. Memory stays
bounded for huge pictures: a JPEG is decoded at a reduced scale (`draft`), and anything over
MAX_PIXELS is refused from its header, before a single pixel is decoded.

HEIC/HEIF: Pillow cannot read it without the separate pillow-heif plugin, which Hearth does not
ship, so a HEIC photo gets a plain "not supported" message that says how to convert it.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, UnidentifiedImageError

from app.core.images import (
    ImageDamaged,
    ImageNotSupported,
    ImageTooLarge,
    ImageUnreadable,
    SizeLimit,
    scaled_size,
)

# Refused above this, from the header alone (a 100 MP picture is ~400 MB decoded). Phones take
# 48-50 MP photos, which must work.
MAX_PIXELS = 100_000_000
# Larger than this is decoded only if the format can decode at a reduced scale (JPEG).
MAX_FULL_DECODE_PIXELS = 60_000_000
FORMATS = ("PNG", "JPEG", "WEBP", "GIF")  # JPEG also opens MPO (many phone cameras)
JPEG_QUALITY = 85
_GPS_IFD = 0x8825
_ORIENTATION = 0x0112
_FEW_COLOURS = 256
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")


@dataclass(frozen=True, slots=True)
class PreparedImage:
    data: bytes
    mime: str
    width: int
    height: int
    had_location: bool  # the original carried GPS coordinates (now removed)


def read_source(source: bytes | str | Path) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise ImageUnreadable(
            f"The image {Path(source).name} could not be read ({exc.strerror or exc}).",
            action="Check that the file exists and can be opened.",
        ) from exc


def prepare_image(source: bytes | str | Path, limit: SizeLimit) -> PreparedImage:
    """The picture, upright, within `limit`, without metadata, freshly encoded."""
    raw = read_source(source)
    image = _open(raw)
    try:
        had_location = _has_location(image)
        turn = _TURNS.get(_orientation(image))
        icc = image.info.get("icc_profile")
        # Scaled first, then turned and colour-converted: both then touch a quarter of the
        # pixels or fewer. The limits only look at the long and short sides, so scaling before
        # turning gives the same size.
        size = scaled_size(image.width, image.height, limit)
        image = _decode(image, size)
        if size != image.size:
            image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        if turn is not None:
            image = image.transpose(turn)
        image = _to_srgb(image, icc)
        data, mime = _encode(image)
        return PreparedImage(data, mime, image.width, image.height, had_location)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageDamaged() from exc
    finally:
        image.close()


def _open(raw: bytes) -> Image.Image:
    if not raw:
        raise ImageDamaged("This image file is empty.")
    Image.init()  # every plugin registered, so `formats` finds MPO and WebP (once; cheap after)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=FORMATS)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(_too_large_words(exc)) from exc
    except UnidentifiedImageError as exc:
        if raw[4:8] == b"ftyp" and raw[8:12] in _HEIF_BRANDS:
            raise ImageNotSupported(
                "HEIC photos are not supported yet.",
                action="Export it as JPEG (on an iPhone: Settings → Camera → Formats → Most "
                "Compatible), then attach it again.",
            ) from exc
        raise ImageNotSupported() from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageDamaged() from exc
    if image.width * image.height > MAX_PIXELS:
        megapixels = image.width * image.height / 1e6
        image.close()
        raise ImageTooLarge(
            f"This image is too large to open ({megapixels:.0f} megapixels; Hearth takes up "
            f"to {MAX_PIXELS // 1_000_000})."
        )
    return image


def _too_large_words(exc: Exception) -> str:
    return f"This image is too large to open (over {MAX_PIXELS // 1_000_000} megapixels)."


# EXIF orientation -> the transpose that shows the picture upright (as ImageOps.exif_transpose).
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(_ORIENTATION, 1))
    except Exception:  # a damaged EXIF block: shown as stored
        return 1


def _has_location(image: Image.Image) -> bool:
    try:
        if image.getexif().get_ifd(_GPS_IFD):
            return True
    except Exception:  # a damaged EXIF block is dropped with the rest
        pass
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b""
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8", "replace")
    return b"GPSLatitude" in xmp


def _decode(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Decode the pixels (the first frame of an animation), at a reduced scale where the format
    allows it, so memory stays bounded."""
    if image.format in ("JPEG", "MPO"):
        # Draft picks the smallest 1/2, 1/4, 1/8 scale still at least the size to send.
        image.draft("RGB" if image.mode not in ("L", "CMYK") else image.mode, size)
    elif image.width * image.height > MAX_FULL_DECODE_PIXELS:
        megapixels = image.width * image.height / 1e6
        raise ImageTooLarge(
            f"This {image.format} image is too large to open ({megapixels:.0f} megapixels).",
            action="Save it as JPEG, or make it smaller, then attach it again.",
        )
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    image.load()
    return image


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Pixels in sRGB, so the ICC profile can be dropped with the rest of the metadata (a
    Display P3 photo from a phone would look dull without its profile)."""
    if image.mode == "CMYK" or (icc and image.mode in ("RGB", "RGBA")):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc)) if icc else None
            if source is not None and "srgb" not in _description(source):
                target = ImageCms.createProfile("sRGB")
                mode = "RGBA" if image.mode == "RGBA" else "RGB"
                converted = ImageCms.profileToProfile(image, source, target, outputMode=mode)
                if converted is not None:
                    return converted
        except (ImageCms.PyCMSError, OSError):
            pass  # an unreadable profile: the pixels are taken as sRGB
        if image.mode == "CMYK":
            return image.convert("RGB")
    return image


def _description(profile: ImageCms.ImageCmsProfile) -> str:
    return (ImageCms.getProfileDescription(profile) or "").replace(" ", "").lower()


def _encode(image: Image.Image) -> tuple[bytes, str]:
    image = _plain_mode(image)
    out = io.BytesIO()
    if image.mode in ("RGBA", "LA", "P") or image.getcolors(_FEW_COLOURS) is not None:
        # Transparency or few colours (a screenshot, a diagram): PNG keeps edges sharp.
        image.save(out, "PNG", compress_level=6)
        return out.getvalue(), "image/png"
    image.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue(), "image/jpeg"


def _plain_mode(image: Image.Image) -> Image.Image:
    """A copy in RGB, RGBA, L or LA with no metadata: the encoder gets nothing to write but
    pixels (Pillow copies `info`, ICC profile and EXIF included, into derived images)."""
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif image.mode in ("1", "I", "I;16", "F"):
        image = image.convert("L")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    if image.mode in ("RGBA", "LA") and image.getextrema()[-1][0] == 255:
        image = image.convert(image.mode[:-1])  # fully opaque: the alpha channel says nothing
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean
