"""Which store keeps the courier's photo proofs: a folder, or an S3-compatible bucket, as
`JASA_PHOTO_STORE` says. Apart from both stores, so that neither imports the other."""

from services.courier.config import CourierSettings, PhotoStoreKind
from services.courier.photos import FolderPhotoStore, PhotoStore


def photo_store(settings: CourierSettings) -> PhotoStore:
    """The store `JASA_PHOTO_STORE` names, built from the settings; opens no connection."""
    if settings.photo_store is PhotoStoreKind.S3:
        # boto3 is large: only an installation that keeps its photos in a bucket loads it.
        from services.courier.photo_bucket import bucket_store

        return bucket_store(settings)
    return FolderPhotoStore(settings.resolved_photo_dir())
