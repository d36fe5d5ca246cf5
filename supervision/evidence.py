"""Checks on an uploaded evidence file: a PDF or an image, no larger than the cap.

The type is read from the file's first bytes, never from its name or the browser's claim, so a
renamed file is refused and a stored file is served with the type it really has.
"""

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.utils.text import get_valid_filename

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
EVIDENCE_MAX_LABEL = "5 MB"

# (leading bytes, content type, what people call it)
SIGNATURES = [
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG image"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG image"),
]


def sniff_content_type(head):
    for signature, content_type, _ in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def check_evidence(uploaded):
    """Return the file's real content type, or raise ValidationError saying what to do."""
    size = uploaded.size or 0
    if size == 0:
        raise ValidationError(
            "This file is empty. Choose the certificate file again, or leave this blank.",
            code="empty",
        )
    if size > EVIDENCE_MAX_BYTES:
        raise ValidationError(
            f"This file is {size / (1024 * 1024):.1f} MB; the limit is {EVIDENCE_MAX_LABEL}. "
            "Save it as a smaller PDF, or take a photo of the certificate, and upload that.",
            code="too_big",
        )
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise ValidationError(
            "This file is not a PDF, PNG or JPEG image. Upload your certificate as a PDF or a "
            "photo (PNG or JPEG).",
            code="wrong_type",
        )
    return content_type


def display_name(uploaded):
    """The uploaded name, made safe to show and to offer as a download name."""
    base = (uploaded.name or "").replace("\\", "/").rsplit("/", 1)[-1]
    try:
        return get_valid_filename(base)[-200:]
    except SuspiciousFileOperation:
        return "evidence"
