"""Where photos are kept: a folder by default (outside anything the web server serves), or
an S3-compatible bucket when one is configured. Keys are ours (`reply-<id>/<n>.<ext>`),
never a patient's words or a provider's URL."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"^[a-z0-9-]+/[a-z0-9.-]+$")


class MediaStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class FolderStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        os.replace(partial, path)  # a reader never sees half a photo

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key) or ".." in key:
            raise ValueError(f"not a media key: {key!r}")
        return self.root / key


class BucketStore:
    """An S3-compatible bucket (AWS S3, MinIO, Ceph, ...), through boto3. Credentials come
    the standard way (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, an instance role, ...);
    turn on the bucket's default encryption and keep it private: photos are patient data."""

    def __init__(self, *, bucket: str, prefix: str = "", endpoint_url: str | None = None,
                 region: str | None = None) -> None:
        import boto3  # only deployments with a bucket load it

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None
        return answer["Body"].read()  # type: ignore[no-any-return]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def _key(self, key: str) -> str:
        if not _KEY.match(key) or ".." in key:
            raise ValueError(f"not a media key: {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key


def media_store(*, folder: Path, bucket: str | None, prefix: str = "",
                endpoint_url: str | None = None, region: str | None = None) -> MediaStore:
    if bucket:
        return BucketStore(bucket=bucket, prefix=prefix, endpoint_url=endpoint_url,
                           region=region)
    return FolderStore(folder)
