"""Where evidence files live: outside MEDIA and STATIC, with no URL of their own.

Nothing on disk here is served by the web server; a file reaches a browser only through
`supervision.views.training_evidence`, which checks who is asking. The folder is
`settings.PRIVATE_MEDIA_ROOT` when set (tests point it at a temporary folder), else `var/private`.
With several web machines, point PRIVATE_MEDIA_ROOT at a shared volume.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


def private_root():
    return getattr(settings, "PRIVATE_MEDIA_ROOT", settings.BASE_DIR / "var" / "private")


@deconstructible(path="supervision.storage.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    # Read the setting on every use, so a test's override of PRIVATE_MEDIA_ROOT takes effect.
    @property
    def base_location(self):
        return private_root()

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no public URL; link to the view that checks access.")


private_storage = PrivateStorage()
