"""The compiled walk (`pipeline/extract/cwalk.pyx`) and the compiled nesting bound
(`pipeline/extract/cnesting.pyx`); everything else is declared in setup.cfg.

Both extensions are optional: where they cannot be built (no C compiler), weft installs and runs
the Python walk and bound, which give the same output more slowly
(`weft.pipeline.extract.walkers`, `weft.pipeline.extract.nesting`)."""

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
    ]
)
