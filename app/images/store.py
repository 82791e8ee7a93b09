"""Image files in the data folder, by content hash: images/ab/abcdef….png.

The same picture attached twice is one file. Files are written atomically (a temporary file in
the same folder, flushed, then renamed), so a crash never leaves half a picture under a hash.
Which messages use a file is in the database (app/store/images.py), which also removes the files
no message uses when a chat is purged.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from app.core.errors import DiskFull, StorageError
from app.core.images import ImageRef
from app.images.prepare import PreparedImage
from app.store.images import image_file


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def keep(data_dir: Path, image: PreparedImage, name: str) -> ImageRef:
    """Write the prepared picture under its hash (once) and return the reference to store."""
    sha = content_hash(image.data)
    path = image_file(data_dir, sha, image.mime)
    if not path.exists():
        write_atomically(path, image.data)
    return ImageRef(sha, image.mime, image.width, image.height, name)


def path_of(data_dir: Path, ref: ImageRef) -> Path:
    return image_file(data_dir, ref.sha256, ref.mime)


def write_atomically(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        if exc.errno == 28:  # ENOSPC
            raise DiskFull(
                "Your disk is full, so the picture could not be saved.",
                action="Free some space, then try again.",
            ) from exc
        raise StorageError("The picture could not be saved in Hearth's data folder.") from exc
