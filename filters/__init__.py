"""Filter rules: one rule per module, typed verdicts and addable stats (see filters/base.py)."""
