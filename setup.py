"""The compiled walk (`pipeline/extract/cwalk.pyx`); everything else is declared in setup.cfg.

The extension is optional: where it cannot be built (no C compiler), weft installs and runs the
Python walk, which gives the same output more slowly (`weft.pipeline.extract.walkers`)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "weft.pipeline.extract.cwalk",
            ["pipeline/extract/cwalk.pyx"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
