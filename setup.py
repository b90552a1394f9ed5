"""The compiled walk (`pipeline/extract/cwalk.pyx`), nesting bound (`pipeline/extract/cnesting.pyx`)
and srcset parser (`pipeline/net/csrcset.pyx`); everything else is declared in setup.cfg.

The extensions are optional: where they cannot be built (no C compiler), weft installs and runs
their Python twins, which give the same output more slowly (`weft.pipeline.extract.walkers`,
`weft.pipeline.extract.nesting`, `weft.pipeline.net.urls`)."""

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
    ]
)
