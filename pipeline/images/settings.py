"""The image stage's settings, derived once from the job's `[images]` section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from weft.jobs.spec import ImagesConfig
from weft.pipeline.images.download import DownloadSettings
from weft.pipeline.net.policy import NetworkPolicy

if TYPE_CHECKING:
    from weft.pipeline.images.validate import ImageLimits


@dataclass(frozen=True)
class ImageSettings:
    config: ImagesConfig
    limits: ImageLimits
    policy: NetworkPolicy
    download: DownloadSettings

    @classmethod
    def from_config(cls, cfg: ImagesConfig) -> ImageSettings:
        from weft.pipeline.images.validate import ImageLimits  # Pillow only with images (validate.py)

        policy = NetworkPolicy(allow_private_networks=cfg.allow_private_networks, allow_hosts=frozenset(cfg.allow_hosts))
        return cls(
            config=cfg,
            limits=ImageLimits(max_bytes=cfg.max_image_bytes, max_pixels=cfg.max_pixels),
            policy=policy,
            download=DownloadSettings(
                timeout_s=cfg.timeout_s,
                retries=cfg.retries,
                threads=cfg.threads,
                max_image_bytes=cfg.max_image_bytes,
                user_agent_token=cfg.user_agent_token,
                disallowed_header_directives=cfg.disallowed_header_directives,
                policy=policy,
            ),
        )
