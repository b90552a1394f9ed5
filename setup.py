"""The compiled extensions: the DOM walk (`pipeline/extract/cwalk.pyx`) and fastText's
prediction (`filters/clid.pyx`); everything else is declared in setup.cfg.

Both are optional: where they cannot be built (no C compiler), weft installs and runs the Python
walk and fastText's own predict, which give the same output more slowly
(`weft.pipeline.extract.walkers`, `weft.filters.language`)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "weft.pipeline.extract.cwalk",
            ["pipeline/extract/cwalk.pyx"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        Extension(
            "weft.filters.clid",
            ["filters/clid.pyx"],
            # No fused multiply-add: fastText's wheel rounds every product (weft.filters.clid).
            extra_compile_args=["-O2", "-ffp-contract=off"],
            optional=True,
        ),
    ]
)
