"""Job specs: TOML files beside this module and the loader that validates them into a JobConfig."""
