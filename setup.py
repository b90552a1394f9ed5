"""The compiled extensions: the DOM walk (`pipeline/extract/cwalk.pyx`), the nesting bound
(`pipeline/extract/cnesting.pyx`), the srcset parser (`pipeline/net/csrcset.pyx`), fastText's
prediction (`filters/clid.pyx`) and the word count (`filters/ctextstats.pyx`); everything else is
declared in setup.cfg.

All are optional: where they cannot be built (no C compiler), weft installs and runs their
Python twins (fastText's own predict for language ID), which give the same output more slowly
(`weft.pipeline.extract.walkers`, `weft.pipeline.extract.nesting`, `weft.pipeline.net.urls`,
`weft.filters.language`, `weft.filters.textstats`)."""

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
            "weft.pipeline.extract.cnesting",
            ["pipeline/extract/cnesting.pyx"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        Extension(
            "weft.pipeline.net.csrcset",
            ["pipeline/net/csrcset.pyx"],
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
        Extension(
            "weft.filters.ctextstats",
            ["filters/ctextstats.pyx"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
    ]
)
