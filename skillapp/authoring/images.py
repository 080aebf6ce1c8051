"""Lesson images: stored once by SHA-256, served by the app itself.

A lesson refers to an image of its module as ``../images/NAME`` (see
docs/content-format.md); when a lesson is rendered, that reference becomes the
address below, which names the bytes, so a new version with a changed image
never alters what an older version shows.
"""

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from skillapp.authoring.loader import (
    IMAGE_REF_PREFIX,
    MAX_IMAGE_BYTES,
    ImageSpec,
    sniff_image,
)
from skillapp.authoring.models import ContentImage, ModuleVersionImage
from skillapp.db import insert_ignore, utcnow

_EXTENSION = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def image_url(sha256: str) -> str:
    return f"/images/{sha256}"


def image_links(images: list[ImageSpec]) -> dict[str, str]:
    """Reference as written in a lesson → the address the app serves it at."""
    return {f"{IMAGE_REF_PREFIX}{image.name}": image_url(image.sha256) for image in images}


class ImageRejected(Exception):
    """An upload that is not an image the app accepts; ``code`` names the reason."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def check_upload(data: bytes) -> str:
    """The content type of an uploaded image, or ImageRejected (too_large, svg, not_image).

    The type comes from the file's first bytes, never from its name or from what
    the browser claims.
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected("too_large")
    found = sniff_image(data)
    if found is None:
        head = data[:512].lstrip().lower()
        if head.startswith((b"<svg", b"<?xml")) or b"<svg" in head:
            raise ImageRejected("svg")
        raise ImageRejected("not_image")
    return found


def extension_for(content_type: str) -> str:
    """The file name extension the loader expects for that type."""
    return _EXTENSION[content_type]


def store_images(session: Session, images: list[ImageSpec], *, by_user_id=None) -> None:
    """Keep the bytes of each image once (an image already stored is left alone)."""
    rows = [
        {
            "sha256": image.sha256,
            "content_type": image.content_type,
            "size": len(image.data),
            "data": image.data,
            "created_by_id": by_user_id,
        }
        for image in images
        if image.data and hashlib.sha256(image.data).hexdigest() == image.sha256
    ]
    known = set(
        session.scalars(
            select(ContentImage.sha256).where(ContentImage.sha256.in_([r["sha256"] for r in rows]))
        )
    )
    fresh = {r["sha256"]: {**r, "created_at": utcnow()} for r in rows if r["sha256"] not in known}
    # ON CONFLICT DO NOTHING: two authors may upload the same picture at once.
    insert_ignore(session, ContentImage, list(fresh.values()), index_elements=["sha256"])


def image_bytes(session: Session, hashes: list[str]) -> dict[str, bytes]:
    if not hashes:
        return {}
    return dict(
        session.execute(
            select(ContentImage.sha256, ContentImage.data).where(ContentImage.sha256.in_(hashes))
        ).all()
    )


def version_images(session: Session, version_id: int) -> list[ImageSpec]:
    """A published version's images, with their bytes, in name order."""
    rows = session.execute(
        select(
            ModuleVersionImage.name,
            ContentImage.content_type,
            ContentImage.sha256,
            ContentImage.data,
        )
        .join(ContentImage, ContentImage.sha256 == ModuleVersionImage.sha256)
        .where(ModuleVersionImage.version_id == version_id)
        .order_by(ModuleVersionImage.name)
    ).all()
    return [ImageSpec(name=n, content_type=t, sha256=s, data=d) for n, t, s, d in rows]


def stored_image(session: Session, sha256: str) -> ContentImage | None:
    return session.get(ContentImage, sha256) if len(sha256) == 64 else None


def published_image(session: Session, sha256: str) -> ContentImage | None:
    """The image if some published version shows it."""
    used = session.scalar(
        select(ModuleVersionImage.sha256).where(ModuleVersionImage.sha256 == sha256).limit(1)
    )
    return stored_image(session, sha256) if used else None
